"""Dates as portals print them: examples from real layouts, and round trips of random datetimes."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.parsing.dates import VN_TZ, find_date, looks_like_date_line, parse_date

WEEKDAYS_VN = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


@pytest.mark.parametrize("text, month_first, expected", [
    ("29/09/2012 | 12:00 AM", False, vn(2012, 9, 29, 0, 0)),
    ("16/08/2018 | 10:30 PM", False, vn(2018, 8, 16, 22, 30)),
    ("(7/3/2018 6:29:27 PM)", True, vn(2018, 7, 3, 18, 29, 27)),
    ("(7/3/2018 6:29:27 PM)", False, vn(2018, 3, 7, 18, 29, 27)),
    ("(6/28/2018 6:29:27 PM)", False, vn(2018, 6, 28, 18, 29, 27)),  # only one valid reading
    ("Thứ tư - 28/09/2022 21:45 Đã xem: 254", False, vn(2022, 9, 28, 21, 45)),
    ("Thứ Sáu, ngày 12 tháng 1 năm 2024 - 15:36", False, vn(2024, 1, 12, 15, 36)),
    ("13-1-2021", False, vn(2021, 1, 13)),
    ("2024-06-18T08:30:00+07:00", False, vn(2024, 6, 18, 8, 30)),
    ("2024-06-18T01:30:00Z", False, vn(2024, 6, 18, 8, 30)),
    ("2024-06-18", False, vn(2024, 6, 18)),
    ("18/06/2024 08:30", False, vn(2024, 6, 18, 8, 30)),
    ("Cập nhật lúc 08:30, 18/06/2024", False, vn(2024, 6, 18, 8, 30)),
    ("10:20 | 18/06/2024", False, vn(2024, 6, 18, 10, 20)),
    ("Ngày đăng: 18.06.2024", False, vn(2024, 6, 18)),
    ("18/06/2024 15h36", False, vn(2024, 6, 18, 15, 36)),
    ("June 18, 2024", False, vn(2024, 6, 18)),
    ("Tue, 18 Jun 2024 08:30:00 +0700", False, vn(2024, 6, 18, 8, 30)),
    ("Tue, 18 Jun 2024 01:30:00 GMT", False, vn(2024, 6, 18, 8, 30)),
    ("18/06/2024 08:30 (GMT+7)", False, vn(2024, 6, 18, 8, 30)),
])
def test_known_formats(text, month_first, expected):
    assert parse_date(text, month_first=month_first) == expected


def test_weekday_breaks_the_tie_between_day_first_and_month_first():
    # 3 July 2018 was a Tuesday (thứ ba); 7 March 2018 a Wednesday (thứ tư).
    assert parse_date("Thứ ba - 7/3/2018") == vn(2018, 7, 3)
    assert parse_date("Thứ tư - 7/3/2018") == vn(2018, 3, 7)


@pytest.mark.parametrize("garbage", [
    "", "không có ngày", "32/13/2020", "31/02/2021", "29/02/2023", "12/12/1850", "2024-13-45",
    "Tin, ảnh: AN NHIÊN", "ngày 13-1", "1.700 trạm", "18/22 cơ sở dữ liệu", "Hôm nay : 965", "98,89%",
])
def test_garbage_gives_none(garbage):
    assert parse_date(garbage) is None


def test_invalid_clock_keeps_the_date():
    assert parse_date("18/06/2024 25:70") == vn(2024, 6, 18)


def test_find_date_reports_the_matched_text():
    found = find_date("Đăng ngày Thứ tư - 28/09/2022 21:45 Đã xem: 254")
    assert found.raw == "28/09/2022 21:45" and found.has_time


def test_date_lines_are_told_from_prose():
    assert looks_like_date_line("Thứ tư - 28/09/2022 21:45 Đã xem: 254")
    assert looks_like_date_line("(7/3/2018 6:29:27 PM)")
    assert looks_like_date_line("Ngày đăng: 18/06/2024")
    assert not looks_like_date_line("Chiều ngày 28/6/2018, Sở Thông tin và Truyền thông tổ chức Hội nghị")
    assert not looks_like_date_line("Lũy kế đến hết ngày 31/5/2024, số lượng nhiệm vụ")


# -- round trips: format a random datetime in each portal's style and read it back --------------
moments = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=VN_TZ))


def _h12(d):
    return d.hour % 12 or 12, "AM" if d.hour < 12 else "PM"


STYLES = {
    "liferay": (lambda d: f"{d:%d/%m/%Y} | {_h12(d)[0]:02d}:{d:%M} {_h12(d)[1]}", False, "minute"),
    "sharepoint": (lambda d: f"({d.month}/{d.day}/{d.year} {_h12(d)[0]}:{d:%M:%S} {_h12(d)[1]})", True, "second"),
    "nukeviet": (lambda d: f"{WEEKDAYS_VN[d.weekday()]} - {d:%d/%m/%Y %H:%M} Đã xem: 254", False, "minute"),
    "legacy": (lambda d: f"{WEEKDAYS_VN[d.weekday()]}, ngày {d.day} tháng {d.month} năm {d.year} - {d:%H:%M}", False, "minute"),
    "dash": (lambda d: f"{d.day}-{d.month}-{d.year}", False, "day"),
    "iso": (lambda d: d.isoformat(), False, "second"),
    "aspnet": (lambda d: f"{d:%d/%m/%Y %H:%M}", False, "minute"),
    "time_first": (lambda d: f"{d:%H:%M} | {d:%d/%m/%Y}", False, "minute"),
}


def _truncate(d, unit):
    if unit == "day":
        return d.replace(hour=0, minute=0, second=0)
    if unit == "minute":
        return d.replace(second=0)
    return d


@pytest.mark.parametrize("style", sorted(STYLES))
@settings(max_examples=150, deadline=None)
@given(moment=moments)
def test_round_trip(style, moment):
    fmt, month_first, unit = STYLES[style]
    assert parse_date(fmt(moment), month_first=month_first) == _truncate(moment, unit)


@settings(max_examples=150, deadline=None)
@given(moment=moments, offset_minutes=st.integers(-12 * 60, 14 * 60))
def test_iso_offsets_convert_to_vietnam_time(moment, offset_minutes):
    zone = timezone(timedelta(minutes=offset_minutes))
    text = moment.astimezone(zone).isoformat()
    parsed = parse_date(text)
    assert parsed == moment and parsed.utcoffset() == timedelta(hours=7)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_arbitrary_text_never_raises(text):
    result = parse_date(text)
    assert result is None or (result.tzinfo is not None and 1990 <= result.year <= 2100)
