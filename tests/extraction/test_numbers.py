"""Reading Vietnamese numbers: unit tests per shape and round trips of numbers formatted the
Vietnamese way (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.numbers import BLOCKED, DATE, DOC, LABEL, QUANTITY, YEAR, NumberReader, parse_vn_number
from extraction.rules import load_lexicon
from extraction.text import prepare

READER = NumberReader(load_lexicon())


def scan(text):
    return READER.scan(prepare(text).low)


def quantities(text):
    return [q for q in scan(text) if q.role == QUANTITY]


def vn_format(value: int, decimals: str = "", sep: str = ".") -> str:
    """Vietnamese style: thousands grouped with '.', decimals after ','."""
    s = f"{value:,}".replace(",", sep)
    return s + ("," + decimals if decimals else "")


@pytest.mark.parametrize("text,value", [
    ("1.700", 1700), ("98,89", 98.89), ("74.500", 74500), ("1.234.567", 1234567), ("0,4512", 0.4512),
    ("12", 12), ("12,5", 12.5), ("1.234,56", 1234.56), ("1,700,000", 1700000),
])
def test_parse_vn_number(text, value):
    assert parse_vn_number(text)[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["0219", "1.2.3", "12.34.5", "01,5"])
def test_malformed_numbers_are_rejected(text):
    assert parse_vn_number(text) is None


@given(st.integers(min_value=0, max_value=10**12))
def test_round_trip_integers(n):
    assert parse_vn_number(vn_format(n))[0] == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=9999))
def test_round_trip_decimals(n, frac):
    decimals = str(frac)
    text = vn_format(n, decimals)
    assert parse_vn_number(text)[0] == pytest.approx(float(f"{n}.{decimals}"))


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=999), st.sampled_from(["nghìn", "ngàn", "triệu", "tỷ", "tỉ"]),
       st.integers(min_value=0, max_value=9))
def test_magnitude_words(n, word, tenth):
    scale = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}[word]
    text = f"đạt {n},{tenth} {word} thuê bao" if tenth else f"đạt {n} {word} thuê bao"
    [q] = quantities(text)
    assert q.value == pytest.approx((n + tenth / 10) * scale)
    assert q.kind == "count"


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=5000), st.integers(min_value=0, max_value=5000))
def test_fractions_read_back(a, extra):
    b = a + extra
    text = f"hoàn thành {vn_format(a)}/{vn_format(b)} chỉ tiêu"
    qs = quantities(text)
    if b > 12 or a > 31:
        [q] = qs
        assert (q.kind, q.value, q.denominator) == ("fraction", a, b)


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=99))
def test_percentages(n, dec):
    text = f"đạt {n},{dec:02d}%" if dec else f"đạt {n}%"
    [q] = quantities(text)
    assert q.kind == "percent"
    assert q.value == pytest.approx(n + dec / 100)


def test_money_in_vnd():
    [q] = quantities("ước đạt trên 274 tỷ đồng")
    assert (q.kind, q.value, q.qualifier) == ("money", 274e9, "at_least")
    [q] = quantities("doanh thu 1,2 nghìn tỷ đồng")
    assert q.value == pytest.approx(1.2e12)
    [q] = quantities("doanh thu 850 triệu đồng")
    assert q.value == pytest.approx(850e6)


def test_foreign_currency_is_not_a_vnd_figure():
    assert quantities("thu hút 12 triệu USD") == []


def test_per_100_rate():
    [q] = quantities("toàn tỉnh có 92,7 thuê bao di động/100 dân")
    assert (q.kind, q.value) == ("per100", 92.7)


@pytest.mark.parametrize("text,role", [
    ("sáng 18/6", DATE), ("ngày 31/5/2024", DATE), ("tháng 6/2024", DATE),
    ("Quyết định 749/QĐ-TTg", DOC), ("Nghị định 12/2023/NĐ-CP", DOC), ("Nghị quyết 06-NQ/TU", DOC),
    ("năm 2023", YEAR), ("dịch vụ công mức độ 3", LABEL), ("mạng 4G", LABEL), ("Đề án 06", LABEL),
])
def test_non_quantities(text, role):
    roles = [q.role for q in scan(text)]
    assert roles and (role in roles or BLOCKED in roles) and QUANTITY not in roles, roles


def test_level_list_after_label_is_a_label():
    assert quantities("dịch vụ công trực tuyến mức độ 3, 4") == []


def test_date_told_apart_from_fraction():
    assert quantities("diễn ra sáng 18/6") == []
    [q] = quantities("kết nối với 18/22 cơ sở dữ liệu quốc gia")
    assert (q.value, q.denominator) == (18, 22)
    [q] = quantities("đã có 1.634/1.733 thôn")
    assert (q.value, q.denominator) == (1634, 1733)


def test_phone_like_and_version_tokens_are_not_quantities():
    assert quantities("công nghệ 4.0") == []
    assert [q for q in quantities("liên hệ 0219.3866.555") if q.value > 100] == []


@pytest.mark.parametrize("text,qualifier", [
    ("gần 1.700", "approx"), ("khoảng 1.700", "approx"), ("ước đạt 554", "approx"), ("xấp xỉ 90%", "approx"),
    ("trên 274", "at_least"), ("hơn 20", "at_least"), ("tối thiểu 60%", "at_least"), ("ít nhất 50", "at_least"),
    ("dưới 5%", "at_most"), ("tối đa 10", "at_most"), ("chưa đến 30", "at_most"), ("ước đạt trên 274", "at_least"),
    ("đạt 1.700", "exact"), ("từ 50 thôn trở lên", "at_least"), ("trên dưới 200", "approx"),
])
def test_qualifiers(text, qualifier):
    [q] = quantities(text)
    assert q.qualifier == qualifier


@pytest.mark.parametrize("text,delta", [
    ("tăng 33 trạm", True), ("giảm 5 thôn", True), ("lắp mới 120 trạm", True),
    ("tăng lên 1.300 trạm", False), ("còn 23 thôn", False), ("có 939 trạm", False),
])
def test_deltas(text, delta):
    [q] = quantities(text)
    assert q.delta is delta


def test_word_fraction():
    [q] = quantities("xếp thứ 25 trên 63 tỉnh")
    assert (q.kind, q.value, q.denominator) == ("fraction", 25, 63)
