"""Discovery by data interval: the article URLs a portal published in [start, end).

Strategies, tried in the order the registry gives:
- archive: one date-archive page per local day (or month) of a short interval;
- feed:    an RSS/Atom feed, used when it reaches back past ``start`` (feeds only hold recent items);
- sitemap: <lastmod> as the publication date (complete, but lastmod is a proxy);
- listing: category listings walked newest first until items are older than ``start``. For an old
  interval the first relevant page is found by galloping + binary search over page numbers, so a
  2018 backfill run costs a few probes instead of a walk through every newer page.
Each interval is therefore a small independent run (one Airflow run per day, month or year).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from lxml import etree

from scrapers.fetch import FetchResult, Fetcher
from scrapers.parsing.dates import parse_date  # one home for reading Vietnamese portal dates
from scrapers.registry import VN_TZ, Listing, Pagination, Portal

log = logging.getLogger(__name__)

FetchHook = Callable[[str, str, FetchResult], None]  # (page_kind, url, result)

_ARTICLE_PATH = re.compile(r"(\d{3,}|\.s?html?$|\.aspx$|\.php$)", re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_NON_ARTICLE = re.compile(r"(^|/)(tag|tags|search|tim-kiem|login|dang-nhap|rss|feed|lien-he|contact)(/|$|\.)",
                          re.IGNORECASE)


class DiscoveryError(Exception):
    """The portal's listings could not be read at all (the portal is unreachable)."""


@dataclass(frozen=True)
class DiscoveredArticle:
    url: str
    listed_published: datetime | None
    title: str | None = None
    found_on: str | None = None


@dataclass
class DiscoveryStats:
    pages: int = 0  # listing/archive/feed/sitemap pages fetched
    failed_pages: list[tuple[str, str]] = field(default_factory=list)
    first_pages_read: int = 0  # first pages of category listings read and parsed
    first_page_links: int = 0  # article links on them, whatever their date: none means a changed layout
    strategy: str | None = None


@dataclass(frozen=True)
class _Item:
    url: str
    published: datetime | None
    title: str | None


@dataclass
class _Page:
    items: list[_Item]
    ok: bool
    end: bool = False  # past the last page (empty, 404, or a repeat of the previous page)

    @property
    def dated(self) -> list[datetime]:
        return [i.published for i in self.items if i.published is not None]


def parse_listed_date(text: str | None, month_first: bool = False) -> datetime | None:
    if not text:
        return None
    return parse_date(text, month_first=month_first)


def _fill(value: Any, variables: Mapping[str, Any]) -> Any:
    """Fill a body/URL template: a string that is exactly "{name}" takes the variable's own type."""
    if isinstance(value, str):
        m = re.fullmatch(r"\{(\w+)\}", value)
        if m and m.group(1) in variables:
            return variables[m.group(1)]
        return value.format_map(variables)
    if isinstance(value, Mapping):
        return {k: _fill(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, variables) for v in value]
    return value


def _with_query(url: str, params: Mapping[str, Any]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _local_days(start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(VN_TZ).date()
    last = (end - timedelta(microseconds=1)).astimezone(VN_TZ).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class Discoverer:
    """Finds a portal's articles in an interval, fetching listing pages through ``fetcher``.

    ``on_fetch(page_kind, url, result)`` sees every listing/feed response (for storage and logs).
    """

    def __init__(self, portal: Portal, fetcher: Fetcher, on_fetch: FetchHook | None = None):
        self.portal = portal
        self.fetcher = fetcher
        fetcher.register(portal.base_url, portal.host_policy())
        self.on_fetch = on_fetch
        self.stats = DiscoveryStats()
        self._cache: dict[tuple, _Page] = {}
        self._ok_pages = 0
        self._listing_urls = {normalise_url(l.url) for l in portal.listings}

    # -- public
    def discover(self, start: datetime, end: datetime) -> Iterator[DiscoveredArticle]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("discovery needs aware datetimes for start and end")
        if end <= start:
            return
        seen: set[str] = set()
        for strategy in self.portal.discovery:
            covered = yield from self._dedup(getattr(self, f"_{strategy}")(start, end), seen)
            if covered:
                self.stats.strategy = strategy
                return
        if self._ok_pages == 0 and self.stats.failed_pages:
            first = self.stats.failed_pages[0]
            raise DiscoveryError(f"portal {self.portal.id} unreachable: none of its listings could be read "
                                 f"({len(self.stats.failed_pages)} failed; first {first[0]}: {first[1]})")

    @staticmethod
    def _dedup(gen, seen: set[str]):
        """Pass a strategy's items through once each; return the strategy's verdict: True when it
        covered the interval, False/None when the next strategy must be tried."""
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                return stop.value
            key = normalise_url(item.url)
            if key not in seen:
                seen.add(key)
                yield item

    # -- fetching and parsing pages
    def _get(self, kind: str, url: str, method: str = "GET", data: Any = None,
             headers: Mapping[str, str] | None = None) -> FetchResult:
        result = self.fetcher.fetch(url, method=method, data=data, headers=headers,
                                    allowed_hosts=self.portal.hosts)
        self.stats.pages += 1
        if result.ok:
            self._ok_pages += 1
        if self.on_fetch is not None:
            self.on_fetch(kind, url, result)
        return result

    def _failed(self, result: FetchResult) -> None:
        self.stats.failed_pages.append((result.url, result.error or f"HTTP {result.status_code}"))

    def _items(self, html: str, page_url: str) -> list[_Item]:
        soup = BeautifulSoup(html, "lxml")
        base = soup.find("base", href=True)
        base_url = urljoin(page_url, base["href"]) if base else page_url
        rules = self.portal.links
        out: list[_Item] = []
        if rules.generic:
            candidates = ((a, a.find_parent(["li", "div", "article", "tr"])) for a in soup.find_all("a", href=True))
        else:
            candidates = []
            for el in soup.select(rules.items):
                a = el.select_one(rules.link) if rules.link else el.find("a", href=True)
                if a is not None and a.get("href"):
                    candidates.append((a, el))
        seen = set()
        for a, item in candidates:
            url = urljoin(base_url, a["href"].strip())
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                continue
            url = normalise_url(url)
            if not self._on_portal(parts.netloc):
                continue
            if rules.generic and (url in self._listing_urls
                                  or not self._looks_like_article(a, parts.path, url, page_url)):
                continue
            if url in seen:
                continue
            seen.add(url)
            published = None
            if item is not None:
                if rules.date:
                    date_el = item.select_one(rules.date)
                    if date_el is not None:
                        raw = date_el.get(rules.date_attribute) if rules.date_attribute else date_el.get_text(" ")
                        published = parse_listed_date(raw, rules.month_first)
                elif rules.generic:
                    published = parse_listed_date(item.get_text(" ")[:300], rules.month_first)
            title = a.get_text(" ", strip=True) or None
            out.append(_Item(url, published, title))
        dated = sum(1 for i in out if i.published)
        if rules.generic and dated >= 3 and dated * 2 >= len(out):
            out = [i for i in out if i.published]  # a dated list: undated links are boxes around it
        return out

    def _on_portal(self, netloc: str) -> bool:
        def bare(h: str) -> str:
            h = h.lower()
            return h[4:] if h.startswith("www.") else h
        return bare(netloc) in {bare(h) for h in self.portal.hosts}

    @staticmethod
    def _looks_like_article(a, path: str, url: str, page_url: str) -> bool:
        """Generic mode: article links are deep, id- or .html-shaped, titled, and visible."""
        if normalise_url(page_url) == url or _NON_ARTICLE.search(path):
            return False
        if not _ARTICLE_PATH.search(path.rstrip("/")) or len(a.get_text(" ", strip=True)) < 15:
            return False
        for parent in a.parents:
            style = parent.get("style") if hasattr(parent, "get") else None
            if style and _HIDDEN.search(style):
                return False
            if getattr(parent, "name", None) in ("nav", "header", "footer", "aside"):
                return False
        return True

    def _page_from(self, kind: str, result: FetchResult, json_d: bool = False, first: bool = True) -> _Page:
        if not result.ok:
            end = result.status_code == 404 and not first  # past the last page; a missing page 1 is an error
            if not end:
                self._failed(result)
            return _Page([], ok=end, end=end)
        text = result.text or ""
        if json_d:
            try:
                text = json.loads(text).get("d") or ""
            except (ValueError, AttributeError):
                self.stats.failed_pages.append((result.url, "pagination response is not {\"d\": ...} JSON"))
                return _Page([], ok=False)
        items = self._items(text, result.final_url)
        if kind.startswith("listing") and first:  # a category's first page lists articles, whatever the window
            self.stats.first_pages_read += 1
            self.stats.first_page_links += len(items)
        log.info("%s %s: %d items (%s)", self.portal.id, kind, len(items), result.url)
        return _Page(items, ok=True, end=not items)

    # -- listings
    def _request(self, listing: Listing, pag: Pagination, n: int) -> tuple[str, str, Any, dict | None, bool]:
        """(method, url, body, headers, json_d) for page n of a listing."""
        variables = {"page": n, "category": listing.category or "", "listing": listing.url, **listing.vars}
        if n == pag.start and not pag.template_first_page or pag.kind == "none":
            return "GET", listing.url, None, None, False
        if pag.kind == "query":
            return "GET", _with_query(listing.url, {**pag.params, pag.param: n}), None, None, False
        if pag.kind == "path":
            return "GET", urljoin(listing.url, self.portal.url(_fill(pag.template, variables))), None, None, False
        if pag.json is not None:
            body = json.dumps(_fill(dict(pag.json), variables))
            headers = {"Content-Type": "application/json; charset=utf-8", "X-Requested-With": "XMLHttpRequest"}
        else:
            body = urlencode(_fill(dict(pag.form or {}), variables))
            headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                       "X-Requested-With": "XMLHttpRequest"}
        return "POST", pag.endpoint, body, headers, pag.response == "json_d"

    def _listing_page(self, listing: Listing, pag: Pagination, n: int, kind: str = "listing") -> _Page:
        key = (listing.url, n)
        if key not in self._cache:
            method, url, body, headers, json_d = self._request(listing, pag, n)
            result = self._get(kind, url, method, body, headers)
            page = self._page_from(f"{kind} page {n}", result, json_d, first=n == pag.start)
            if n > pag.start and n - 1 >= pag.start and (listing.url, n - 1) in self._cache:
                prev = self._cache[(listing.url, n - 1)]
                if page.items and [i.url for i in page.items] == [i.url for i in prev.items]:
                    page.end = True  # sites that serve the last page again for any larger N
                    page.items = []
            self._cache[key] = page
        return self._cache[key]

    def _reaches(self, page: _Page, end: datetime) -> bool:
        """True when page n is at or past the interval's newest edge (monotone in n)."""
        return page.end or not page.ok or (bool(page.dated) and min(page.dated) < end)

    def _seek(self, listing: Listing, pag: Pagination, end: datetime) -> int:
        """First page whose oldest item is older than ``end``.

        Page 1 tells how much time a page spans, so the first probe is an estimate of the target
        page (portals publish at a fairly steady pace); then gallop from it and bisect. Pages that
        cannot be judged (failed, undated) count as reached: the walk starts there and goes on.
        """
        limit = pag.start + pag.max_pages - 1
        reached = lambda n: (lambda p: self._reaches(p, end) or not p.dated)(self._listing_page(listing, pag, n))
        first = self._listing_page(listing, pag, pag.start)
        if reached(pag.start):
            return pag.start
        lo = pag.start  # invariant: page lo is entirely newer than end; page hi is reached
        guess = lo + 1
        dated = first.dated
        if len(dated) >= 2 and max(dated) > min(dated):
            per_page = (max(dated) - min(dated)) * len(first.items) / (len(dated) - 1)
            guess = lo + max(1, int((min(dated) - end) / per_page) + 1)
        guess = min(guess, limit)
        if reached(guess):
            hi = guess
            if hi - 1 > lo and not reached(hi - 1):
                return hi
        else:
            lo, step = guess, 1
            hi = min(lo + step, limit)
            while hi < limit and not reached(hi):
                lo, step = hi, step * 2
                hi = min(lo + step, limit)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if reached(mid):
                hi = mid
            else:
                lo = mid
        return hi

    def _walk(self, listing: Listing, pag: Pagination, start: datetime, end: datetime,
              kind: str = "listing") -> Iterator[DiscoveredArticle]:
        """Yield a listing's items in [start, end); returns whether the listing could be read."""
        n = self._seek(listing, pag, end) if pag.numbered and pag.seek else pag.start
        last = pag.start + (pag.max_pages if pag.numbered else 1) - 1
        readable, failures_in_row, page_size = False, 0, 0
        while n <= last:
            page = self._listing_page(listing, pag, n, kind)
            n += 1
            if not page.ok:  # recorded in stats.failed_pages; later pages may still be readable
                failures_in_row += 1
                if not readable or failures_in_row >= 3:
                    break
                continue
            readable, failures_in_row = True, 0
            if page.end:
                break
            for item in page.items:
                if item.published is None or start <= item.published < end:
                    yield DiscoveredArticle(item.url, item.published, item.title, found_on=listing.url)
            dated = page.dated
            if dated and max(dated) < start:
                break
            if len(page.items) < page_size and not self.portal.links.generic:
                break  # a short page after full ones is the last page
            page_size = max(page_size, len(page.items))
        return readable

    def _listing(self, start: datetime, end: datetime):
        readable = False
        for listing in self.portal.listings:
            ok = yield from self._walk(listing, self.portal.pagination, start, end)
            readable = readable or ok
        return True if readable else None

    # -- date archive
    def _archive(self, start: datetime, end: datetime):
        arch = self.portal.archive
        days = _local_days(start, end)
        if arch is None or len(days) > arch.max_days:
            return None
        if arch.granularity == "month":
            days = sorted({d.replace(day=1) for d in days})
        readable = False
        for d in reversed(days):
            url = arch.url_template.format(day=d.day, month=d.month, year=d.year, dd=f"{d.day:02d}",
                                           mm=f"{d.month:02d}")
            listing = Listing(url=url, category=None)
            ok = yield from self._walk(listing, replace(arch.pagination, seek=False), start, end, kind="archive")
            readable = readable or ok
        return readable or None

    # -- feeds and sitemaps
    def _feed(self, start: datetime, end: datetime):
        result = self._get("feed", self.portal.feed)
        if not result.ok:
            self._failed(result)
            return None
        entries = list(feed_entries(result.body))
        log.info("%s feed: %d entries", self.portal.id, len(entries))
        dated = [e.published for e in entries if e.published]
        for e in entries:
            if e.published is not None and start <= e.published < end and self._on_portal(urlsplit(e.url).netloc):
                yield DiscoveredArticle(normalise_url(e.url), e.published, e.title, found_on=self.portal.feed)
        covered = bool(dated) and min(dated) < start
        if not covered:
            log.info("%s feed reaches back to %s only; not enough for an interval starting %s",
                     self.portal.id, min(dated) if dated else None, start)
        return covered

    def _sitemap(self, start: datetime, end: datetime):
        todo, done, read = [self.portal.sitemap], set(), False
        while todo and len(done) < 50:
            url = todo.pop(0)
            if url in done:
                continue
            done.add(url)
            result = self._get("feed", url)
            if not result.ok:
                self._failed(result)
                continue
            read = True
            children, entries = sitemap_entries(result.body)
            todo.extend(c for c in children if self._on_portal(urlsplit(c).netloc))
            for loc, lastmod in entries:
                if lastmod is None or not self._on_portal(urlsplit(loc).netloc):
                    continue
                day_end = lastmod + timedelta(days=1) if lastmod.hour == lastmod.minute == 0 else lastmod
                if lastmod < end and day_end > start:
                    yield DiscoveredArticle(normalise_url(loc), lastmod, None, found_on=url)
        return True if read else None


# ----------------------------------------------------------------------------- feed/sitemap parsing
def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_root(body: bytes):
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body.lstrip(), parser)
    except etree.XMLSyntaxError:
        return None


def _feed_date(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        value = parsedate_to_datetime(text)
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    except (TypeError, ValueError):
        pass
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    except ValueError:
        return parse_listed_date(text)


def feed_entries(body: bytes) -> Iterator[_Item]:
    """(url, published, title) of each item of an RSS or Atom body; nothing for a body that is not XML."""
    root = _xml_root(body)
    if root is None:
        return
    for el in root.iter():
        name = _local(el.tag)
        if name not in ("item", "entry"):
            continue
        link = title = when = None
        for child in el:
            cname = _local(child.tag)
            if cname == "link":
                link = child.get("href") or (child.text or "").strip() or link
            elif cname == "title":
                title = (child.text or "").strip() or None
            elif cname in ("pubdate", "published", "date") or (cname == "updated" and when is None):
                when = _feed_date(child.text)
            elif cname == "guid" and link is None and (child.text or "").startswith("http"):
                link = child.text.strip()
        if link:
            yield _Item(link, when, title)


def sitemap_entries(body: bytes) -> tuple[list[str], list[tuple[str, datetime | None]]]:
    """(child sitemaps, (url, lastmod) entries) of a sitemap or sitemap index; empty when not XML."""
    root = _xml_root(body)
    children: list[str] = []
    entries: list[tuple[str, datetime | None]] = []
    if root is None:
        return children, entries
    for el in root:
        loc = lastmod = None
        for child in el:
            if _local(child.tag) == "loc":
                loc = (child.text or "").strip()
            elif _local(child.tag) == "lastmod":
                lastmod = _feed_date(child.text)
        if not loc:
            continue
        (children.append(loc) if _local(el.tag) == "sitemap" else entries.append((loc, lastmod)))
    return children, entries


def discover(portal: Portal, start: datetime, end: datetime, fetcher: Fetcher,
             on_fetch: FetchHook | None = None) -> list[DiscoveredArticle]:
    """Convenience: every article of ``portal`` published in [start, end)."""
    return list(Discoverer(portal, fetcher, on_fetch).discover(start, end))
