"""Malformed, empty and huge input: no figures invented, no crash, bounded time."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction import extract


@pytest.mark.parametrize("text", ["", "   \n\n ", "\x00\x01\x02", "<html><body></body></html>", "1.2.3.4.5",
                                  "%%%% //// 12/ /34 ,,,, ....", "\ufeff\u200b", "9" * 5000, "năm " * 1000])
def test_malformed_or_empty_gives_no_figures(text):
    assert extract(text) == []


@pytest.mark.parametrize("bad", [None, 123, b"bytes"])
def test_non_text_gives_no_figures(bad):
    assert extract(bad) == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,/%;: -()trạmBTSthuêbaođạtgầnhơn\n")), max_size=300))
def test_random_text_never_crashes(text):
    for m in extract(text, published=dt.date(2024, 1, 5)):
        assert 0 <= m.char_start < m.char_end <= len(text)


def test_one_megabyte_article():
    paragraph = ("Theo báo cáo, năm 2023 toàn tỉnh có 1.332 vị trí lắp đặt trạm thu phát sóng BTS; tỷ lệ hồ sơ "
                 "trực tuyến đạt 45,6%. Hội nghị có nhiều ý kiến thảo luận về chuyển đổi số và an toàn thông tin.\n")
    text = paragraph * (1_000_000 // len(paragraph) + 1)
    t0 = time.perf_counter()
    ms = extract(text, published=dt.date(2024, 3, 1))
    elapsed = time.perf_counter() - t0
    assert len(ms) == 2 * text.count("1.332")
    assert elapsed < 60  # generous: a sanity bound on a shared machine, not a benchmark


def test_one_megabyte_without_punctuation():
    text = ("toàn tỉnh có 939 trạm BTS " + "chữ " * 50) * 3000
    ms = extract(text)
    assert ms and all(len(m.evidence) <= 2100 for m in ms)


def test_publication_date_as_iso_string_or_datetime():
    text = "Toàn tỉnh có 939 trạm BTS."
    assert extract(text, published="2022-09-01")[0].year == 2022
    assert extract(text, published=dt.datetime(2022, 9, 1, 8, 30))[0].year == 2022
    assert extract(text, published="not a date")[0].year is None
