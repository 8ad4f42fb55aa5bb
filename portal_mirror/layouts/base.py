"""What every layout shares: request/response objects, date formats, page chrome helpers."""
from __future__ import annotations

import hashlib
import html
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable
from urllib.parse import parse_qs

from portal_mirror.articles import Article, SiteContent
from portal_mirror.config import SiteDef

PAGE_SIZE = 10
STATIC_LAST_MODIFIED = datetime(2025, 12, 1, tzinfo=timezone.utc)

WEEKDAYS_TITLE = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
WEEKDAYS_LOWER = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


@dataclass
class Request:
    method: str
    path: str                         # without query
    query_string: str
    body: bytes
    headers: dict[str, str]
    base_url: str
    content: SiteContent

    @property
    def site(self) -> SiteDef:
        return self.content.site

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}

    def int_param(self, name: str, default: int, low: int = 1, high: int = 10_000) -> int:
        try:
            return max(low, min(high, int(self.query.get(name, default))))
        except ValueError:
            return default


@dataclass
class Response:
    status: int = 200
    body: str | bytes = b""
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    charset: str | None = None        # None: the site's charset for text bodies
    stream: Callable[[], Iterable[bytes]] | None = None
    stream_length: int = 0
    etag_seed: str | None = None      # ETag of a streamed body


class NotFound(Exception):
    pass


class MethodNotAllowed(Exception):
    """The server answers 405 (with an Allow header when `allow` names the one method the path takes)."""

    def __init__(self, allow: str | None = None):
        super().__init__(allow)
        self.allow = allow


def only_reading(req: Request) -> None:
    """Pages are read with GET or HEAD; any other method is refused."""
    if req.method not in ("GET", "HEAD"):
        raise MethodNotAllowed()


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def page_count(n: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-n // size))


def page_slice(items: list, page: int, size: int = PAGE_SIZE) -> list:
    return items[(page - 1) * size: page * size]


def listing_page(req: Request, slug: str | None, page: int) -> tuple[list[Article], int]:
    """One page of a category's listing and how many pages it has; past the last page is a 404."""
    items = req.content.listed(slug)
    pages = page_count(len(items))
    if page > pages:
        raise NotFound(req.path)
    return page_slice(items, page), pages


def pager(page: int, pages: int, href: Callable[[int], str], *, prev: str, number: str, current: str,
          next: str) -> list[str]:
    """Pagination links from templates with {href} and {n}: previous, every page (the current one
    without a link), next."""
    links = [prev.format(href=href(page - 1))] if page > 1 else []
    links += [current.format(n=n) if n == page else number.format(href=href(n), n=n) for n in range(1, pages + 1)]
    if page < pages:
        links.append(next.format(href=href(page + 1)))
    return links


def newest(items: list[Article]) -> datetime | None:
    return max((a.published for a in items), default=None)


def date_dmy_hm(d: datetime) -> str:
    return d.strftime("%d/%m/%Y %H:%M")


def date_liferay(d: datetime) -> str:
    return f"{d:%d/%m/%Y} | {d:%I:%M} {'AM' if d.hour < 12 else 'PM'}"


def date_us(d: datetime) -> str:
    """SharePoint's month-first date: (6/28/2018 6:29:27 PM)."""
    h12 = d.hour % 12 or 12
    return f"({d.month}/{d.day}/{d.year} {h12}:{d:%M:%S} {'AM' if d.hour < 12 else 'PM'})"


def date_nukeviet(d: datetime) -> str:
    return f"{WEEKDAYS_LOWER[d.weekday()]} - {d:%d/%m/%Y %H:%M}"


def date_vn_long(d: datetime) -> str:
    return f"{WEEKDAYS_TITLE[d.weekday()]}, ngày {d.day} tháng {d.month} năm {d.year} - {d:%H:%M}"


def counters(seed: str) -> dict[str, str]:
    """Visitor counters, fixed per page so that conditional GET still sees an unchanged page."""
    h = int(hashlib.sha1(seed.encode()).hexdigest(), 16)
    fmt = lambda n: f"{n:,}".replace(",", ".")  # noqa: E731
    return {"today": fmt(200 + h % 1500), "yesterday": fmt(900 + (h >> 12) % 1500),
            "month": fmt(20_000 + (h >> 24) % 90_000), "year": fmt(200_000 + (h >> 40) % 800_000),
            "total": fmt(3_000_000 + (h >> 60) % 9_000_000)}


def counter_lines(seed: str, published: datetime | None = None) -> list[tuple[str, str]]:
    c = counters(seed)
    ref = published or STATIC_LAST_MODIFIED
    return [("Hôm nay", c["today"]), ("Hôm qua", c["yesterday"]),
            (f"Tháng {ref.month:02d}", c["month"]), (f"Năm {ref.year}", c["year"])]


def related(content: SiteContent, article: Article, k: int = 5) -> list[Article]:
    """Older articles of the same category, as portals' 'Tin liên quan' boxes show them."""
    same = [a for a in content.articles if a.category == article.category and a.kind != "fault"]
    older = [a for a in same if a.published < article.published]
    return (older or [a for a in same if a is not article])[:k]


def latest(content: SiteContent, k: int = 5) -> list[Article]:
    return [a for a in content.articles if a.kind != "fault"][:k]


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes the way Vietnamese legacy pages hold them: base letters (with circumflex,
    breve or horn where the code page has them) followed by combining tone marks."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], list(decomposed[1:])
        for i, mark in enumerate(marks):
            combined = unicodedata.normalize("NFC", base + mark)
            if len(combined) == 1:
                try:
                    combined.encode("cp1258")
                    base = combined
                    marks.pop(i)
                    break
                except UnicodeEncodeError:
                    pass
        out += base.encode("cp1258", errors="xmlcharrefreplace")
        for mark in marks:
            out += mark.encode("cp1258", errors="xmlcharrefreplace")
    return bytes(out)


def encode_body(text: str, charset: str) -> bytes:
    if charset.lower().replace("-", "") in ("windows1258", "cp1258"):
        return encode_cp1258(text)
    return text.encode(charset, errors="xmlcharrefreplace")
