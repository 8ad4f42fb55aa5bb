"""Publication dates as provincial portals print them, read into aware Asia/Ho_Chi_Minh datetimes.

Portals mix Vietnamese day-first dates ("Thứ tư - 28/09/2022 21:45", "Thứ Sáu, ngày 12 tháng 1
năm 2024 - 15:36", "13-1-2021"), US month-first dates on SharePoint ("(7/3/2018 6:29:27 PM)"),
ISO 8601 in meta tags, and 12-hour clocks. A string that holds no valid date gives None, never a
guess: the caller keeps the raw string and flags it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR, MAX_YEAR = 1990, 2100

_WEEKDAYS = {  # Python weekday(): Monday == 0
    "hai": 0, "2": 0, "ba": 1, "3": 1, "tư": 2, "tu": 2, "4": 2, "năm": 3, "5": 3,
    "sáu": 4, "6": 4, "bảy": 5, "bẩy": 5, "7": 5, "chủ nhật": 6, "cn": 6,
}
_WEEKDAY = r"(?P<wd>thứ\s*(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s*nhật|t[2-7]|cn)\b"
_MONTHS_EN = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MON = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

_ISO = re.compile(
    r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T\s](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?(?!\d)",
    re.IGNORECASE)
_YMD_SLASH = re.compile(r"(?<![\d/])(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])")
_NUMERIC = re.compile(r"(?<![\d/.\-])(?P<a>\d{1,2})\s?(?P<sep>[/.\-])\s?(?P<b>\d{1,2})\s?(?P=sep)\s?(?P<y>\d{4})(?!\d)")
_VN_LONG = re.compile(
    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s*,?\s+năm\s+(?P<y>\d{4})(?!\d)", re.IGNORECASE)
_EN_MDY = re.compile(r"\b" + _MON + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)", re.IGNORECASE)
_EN_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+" + _MON + r",?\s+(?P<y>\d{4})(?!\d)", re.IGNORECASE)

_TIME = (r"(?P<H>\d{1,2})\s?[:hH]\s?(?P<M>\d{2})(?:\s?:\s?(?P<S>\d{2}))?"
         r"(?:\s*(?P<ap>[AaPp]\.?\s?[Mm]\b\.?|SA\b|CH\b|sáng\b|chiều\b|tối\b))?"
         r"(?:\s*\(?(?P<tz>(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|GMT\b|UTC\b|Z\b)\)?)?")
_GLUE = r"(?:\s|[|,\-–—/(]|lúc|vào\s+lúc|ngày)*"
_TIME_AFTER = re.compile(r"^" + _GLUE + _TIME, re.IGNORECASE)
_TIME_BEFORE = re.compile(_TIME + r"\)?" + _GLUE + r"$", re.IGNORECASE)
_WEEKDAY_BEFORE = re.compile(_WEEKDAY + r"[\s,\-–—|]*(?:ngày\s*)?$", re.IGNORECASE)
_TIME_WINDOW = 40

# Words that may sit on a date line without making it prose.
_DATE_LINE_WORDS = re.compile(
    r"(?:ngày\s+(?:đăng|cập\s+nhật|xuất\s+bản|ban\s+hành)|đăng\s+ngày|cập\s+nhật|ngày|lúc|vào|"
    r"đã\s+xem|lượt\s+xem|lượt\s+đọc|xem|posted|published|updated|on|at|gmt\s*[+-]?\d*|utc\s*[+-]?\d*|"
    r"\d+|[|,:;()\[\]\-–—/.+]|\s)+", re.IGNORECASE)


@dataclass(frozen=True)
class DateMatch:
    value: datetime
    raw: str
    start: int
    end: int
    has_time: bool


def _norm_tz(spec: str | None) -> timezone | ZoneInfo | None:
    """tzinfo of "+07:00", "Z", "GMT+7"...; None when the offset is impossible."""
    if not spec:
        return VN_TZ
    spec = re.sub(r"^(GMT|UTC)|\s", "", spec.upper())
    if spec in ("", "Z"):
        return timezone.utc
    sign = 1 if spec[0] == "+" else -1
    digits = spec[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _clock(hour: str, minute: str, second: str | None, ampm: str | None) -> time | None:
    h, m, s = int(hour), int(minute), int(second or 0)
    if ampm:
        marker = ampm.lower().replace(".", "").replace(" ", "")
        if h < 1 or h > 12:
            return None
        afternoon = marker in ("pm", "ch", "chiều", "tối")
        if afternoon and h != 12:
            h += 12
        elif not afternoon and h == 12:
            h = 0
    if h > 23 or m > 59 or s > 59:
        return None
    return time(h, m, s)


def _valid_day(y: int, m: int, d: int) -> date | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _weekday_of(text: str) -> int | None:
    m = _WEEKDAY_BEFORE.search(text)
    if not m:
        return None
    key = re.sub(r"^thứ\s*", "", m.group("wd").lower())
    key = re.sub(r"^t(?=[2-7]$)", "", key)
    key = re.sub(r"\s+", " ", key)
    return _WEEKDAYS.get(key)


def _numeric_day(a: int, b: int, y: int, month_first: bool, weekday: int | None) -> date | None:
    first = _valid_day(y, a, b) if month_first else _valid_day(y, b, a)
    second = _valid_day(y, b, a) if month_first else _valid_day(y, a, b)
    if weekday is not None and first and second and first.weekday() != weekday and second.weekday() == weekday:
        return second
    return first or second


def _time_near(text: str, start: int, end: int):
    """A clock time (and zone) right after or right before a date, joined only by separators."""
    after = _TIME_AFTER.match(text[end:end + _TIME_WINDOW])
    if after:
        t, zone = _clock(after["H"], after["M"], after["S"], after["ap"]), _norm_tz(after["tz"])
        if t is not None and zone is not None:
            return t, zone, start, end + after.end()
    lo = max(0, start - _TIME_WINDOW)
    before = _TIME_BEFORE.search(text[lo:start])
    if before:
        t, zone = _clock(before["H"], before["M"], before["S"], before["ap"]), _norm_tz(before["tz"])
        if t is not None and zone is not None:
            return t, zone, lo + before.start(), end
    return None, VN_TZ, start, end


def _candidates(text: str, month_first: bool):
    for m in _ISO.finditer(text):
        day = _valid_day(int(m["y"]), int(m["m"]), int(m["d"]))
        if day is None:
            continue
        if m["H"] is not None:
            t = _clock(m["H"], m["M"], m["S"], None)
            if t is None:
                continue
            zone = _norm_tz(m["tz"])
            if zone is None:
                continue
            dt = datetime.combine(day, t, tzinfo=zone).astimezone(VN_TZ)
            yield DateMatch(dt, m.group(0), m.start(), m.end(), True)
        else:
            yield _with_time(text, day, m.start(), m.end())
    for m in _YMD_SLASH.finditer(text):
        day = _valid_day(int(m["y"]), int(m["m"]), int(m["d"]))
        if day:
            yield _with_time(text, day, m.start(), m.end())
    for m in _NUMERIC.finditer(text):
        weekday = _weekday_of(text[max(0, m.start() - 30):m.start()])
        day = _numeric_day(int(m["a"]), int(m["b"]), int(m["y"]), month_first, weekday)
        if day:
            yield _with_time(text, day, m.start(), m.end())
    for m in _VN_LONG.finditer(text):
        day = _valid_day(int(m["y"]), int(m["m"]), int(m["d"]))
        if day:
            yield _with_time(text, day, m.start(), m.end())
    for pattern in (_EN_MDY, _EN_DMY):
        for m in pattern.finditer(text):
            day = _valid_day(int(m["y"]), _MONTHS_EN[m["mon"][:3].lower()], int(m["d"]))
            if day:
                yield _with_time(text, day, m.start(), m.end())


def _with_time(text: str, day: date, start: int, end: int) -> DateMatch:
    t, zone, lo, hi = _time_near(text, start, end)
    value = datetime.combine(day, t or time(0, 0), tzinfo=zone).astimezone(VN_TZ)
    return DateMatch(value, text[lo:hi].strip(), lo, hi, t is not None)


def find_date(text: str | None, *, month_first: bool = False) -> DateMatch | None:
    """The first valid date in ``text`` (earliest position; the longest reading at that position)."""
    if not text:
        return None
    best: DateMatch | None = None
    for cand in _candidates(text, month_first):
        if best is None or cand.start < best.start or (cand.start == best.start and cand.end > best.end):
            best = cand
    return best


def parse_date(text: str | None, *, month_first: bool = False) -> datetime | None:
    """Aware datetime (Asia/Ho_Chi_Minh) of the first date in ``text``, or None."""
    found = find_date(text, month_first=month_first)
    return found.value if found else None


def looks_like_date_line(text: str, *, month_first: bool = False) -> bool:
    """True for a short line that only states a date (with weekday, time, view count...), not prose."""
    if len(text) > 120:
        return False
    found = find_date(text, month_first=month_first)
    if found is None:
        return False
    rest = text[:found.start] + " " + text[found.end:]
    rest = re.sub(_WEEKDAY, " ", rest, flags=re.IGNORECASE)
    return _DATE_LINE_WORDS.sub("", rest).strip() == ""


DATE_HINT = re.compile(
    r"\d{1,4}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}|tháng\s+\d{1,2}\s+năm|\d{4}-\d{2}-\d{2}", re.IGNORECASE)
