"""Probe one source the way a maintainer would before enabling it: robots.txt, sitemap, feed, one
listing page, one article parsed. Each probe says what works and what to put in the registry."""
from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from scrapers.discovery import Discoverer, DiscoveryError, feed_entries, sitemap_entries
from scrapers.fetch import Fetcher, FetchResult
from scrapers.registry import Portal

_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_ROBOTS_DELAY = re.compile(r"^\s*crawl-delay\s*:\s*([\d.]+)", re.IGNORECASE | re.MULTILINE)
_FEED_LINK = re.compile(r"<link\b[^>]*type=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.IGNORECASE)
_HREF = re.compile(r"href=[\"']([^\"']+)[\"']", re.IGNORECASE)
LISTING_WINDOW = timedelta(days=3650)  # a listing probe accepts any article of the last ten years
MIN_BODY_CHARS = 200


@dataclass
class Probe:
    name: str           # robots | sitemap | feed | listing | article
    ok: bool | None     # None: not applicable (nothing configured or advertised)
    detail: str
    advice: str | None = None


@dataclass
class SourceReport:
    portal_id: str
    base_url: str
    probes: list[Probe] = field(default_factory=list)
    article_url: str | None = None

    @property
    def usable(self) -> bool:
        """The crawler can use it as configured: a listing or another strategy found articles that parse."""
        by_name = {p.name: p for p in self.probes}
        return bool(by_name.get("article") and by_name["article"].ok)

    def to_json(self) -> dict:
        return {**asdict(self), "usable": self.usable}


def _path(portal: Portal, url: str) -> str:
    """The registry's way of writing a link on the portal: root-relative when it is on the portal."""
    parts = urlsplit(url)
    if parts.netloc.lower() == portal.host:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def _get(fetcher: Fetcher, portal: Portal, url: str) -> FetchResult:
    return fetcher.fetch(url, allowed_hosts=portal.hosts)


def _failure(result: FetchResult) -> str:
    return result.error or f"HTTP {result.status_code}"


def _robots(portal: Portal, fetcher: Fetcher) -> tuple[Probe, list[str]]:
    result = _get(fetcher, portal, portal.base_url + "/robots.txt")
    if not result.ok:
        if result.status_code == 404:
            return Probe("robots", True, "no robots.txt (HTTP 404): everything may be crawled"), []
        return Probe("robots", False, f"robots.txt unreadable: {_failure(result)}",
                     "the crawler fetches nothing from a host whose robots.txt fails; check the host and TLS"), []
    text = (result.text or "")[:200_000]
    sitemaps = _ROBOTS_SITEMAP.findall(text)
    delay = _ROBOTS_DELAY.search(text)
    blocked = [l.url for l in portal.listings if not fetcher.allowed(l.url)]
    detail = "robots.txt read" + (f"; Crawl-delay {delay.group(1)} s" if delay else "") + (
        f"; Sitemap: {', '.join(sitemaps)}" if sitemaps else "")
    if blocked:
        return Probe("robots", False, f"{detail}; disallows {', '.join(_path(portal, u) for u in blocked)}",
                     "choose listings robots.txt allows"), sitemaps
    return Probe("robots", True, detail), sitemaps


def _sitemap(portal: Portal, fetcher: Fetcher, advertised: list[str]) -> tuple[Probe, list[str]]:
    candidates = list(dict.fromkeys([*(u for u in [portal.sitemap] if u), *advertised,
                                     portal.base_url + "/sitemap.xml"]))
    for url in candidates:
        result = _get(fetcher, portal, url)
        if not result.ok:
            continue
        children, entries = sitemap_entries(result.body)
        if not children and not entries:
            continue
        dated = sum(1 for _, lastmod in entries if lastmod)
        detail = f"{_path(portal, url)}: {len(entries)} URLs ({dated} with lastmod), {len(children)} child sitemaps"
        if portal.sitemap is None or "sitemap" not in portal.discovery:
            return Probe("sitemap", True, detail,
                         f"add `sitemap: {_path(portal, url)}` and put sitemap in `discovery`"), [u for u, _ in entries]
        return Probe("sitemap", True, detail), [u for u, _ in entries]
    if portal.sitemap:
        return Probe("sitemap", False, f"configured sitemap {_path(portal, portal.sitemap)} unreadable or empty",
                     "fix or remove `sitemap:`"), []
    return Probe("sitemap", None, "none configured, advertised in robots.txt, or at /sitemap.xml"), []


def _feed(portal: Portal, fetcher: Fetcher) -> tuple[Probe, list[str]]:
    candidates = [portal.feed] if portal.feed else []
    if not candidates:
        home = _get(fetcher, portal, portal.base_url + "/")
        if home.ok and home.text:
            for tag in _FEED_LINK.findall(home.text[:500_000]):
                href = _HREF.search(tag)
                if href:
                    candidates.append(urljoin(home.final_url or portal.base_url, href.group(1)))
    for url in candidates:
        result = _get(fetcher, portal, url)
        if not result.ok:
            continue
        entries = list(feed_entries(result.body))
        if not entries:
            continue
        detail = f"{_path(portal, url)}: {len(entries)} entries"
        advice = None if portal.feed else f"add `feed: {_path(portal, url)}` and put feed in `discovery`"
        return Probe("feed", True, detail, advice), [e.url for e in entries]
    if portal.feed:
        return Probe("feed", False, f"configured feed {_path(portal, portal.feed)} unreadable or empty",
                     "fix or remove `feed:`"), []
    return Probe("feed", None, "none configured or advertised on the home page"), []


def _listing(portal: Portal, fetcher: Fetcher, now: datetime) -> tuple[Probe, list[str]]:
    if not portal.listings:
        return Probe("listing", None, "no listings configured", "add the category page that lists ICT news"), []
    listing_only = replace(portal, discovery=("listing",), pagination=replace(portal.pagination, max_pages=1))
    discoverer = Discoverer(listing_only, fetcher)
    try:
        found = list(itertools.islice(discoverer.discover(now - LISTING_WINDOW, now), 10))
    except DiscoveryError as exc:
        return Probe("listing", False, str(exc), "check the listing paths"), []
    first = _path(portal, portal.listings[0].url)
    how = "generic link extraction" if portal.links.generic else "the configured link selectors"
    if not found:
        return Probe("listing", False, f"{first}: no article links found by {how}",
                     "give `links.items` and `links.link` CSS selectors for one entry of the listing"), []
    dated = sum(1 for a in found if a.listed_published)
    detail = f"{first}: {len(found)} article links by {how} ({dated} with a listed date)"
    advice = None if dated or not portal.links.generic else \
        "links carry no date: give `links.date` so the crawler can stop at the interval's start"
    return Probe("listing", True, detail, advice), [a.url for a in found]


def _article(portal: Portal, fetcher: Fetcher, urls: list[str]) -> tuple[Probe, str | None]:
    from scrapers.parsing.article import parse_page

    if not urls:
        return Probe("article", False, "no article URL found by any probe", "configure a listing, feed or sitemap"), None
    url = urls[0]
    result = _get(fetcher, portal, url)
    if not result.ok:
        return Probe("article", False, f"{_path(portal, url)}: {_failure(result)}"), url
    parsed = parse_page(result.body, result.final_url or url, portal.parse_config, portal.province,
                        headers=result.headers, encoding=result.encoding)
    problems, advice = [], []
    if not parsed.title:
        problems.append("no title")
        advice.append("`parsing.title`")
    if parsed.published_at is None:
        problems.append("no publication date")
        advice.append("`parsing.date`")
    if len(parsed.body_text) < MIN_BODY_CHARS or parsed.has_flag("body_shorter_than_page"):
        problems.append(f"body of {len(parsed.body_text)} characters")
        advice.append("`parsing.body`")
    published = parsed.published_at.isoformat() if parsed.published_at else None
    detail = (f"{_path(portal, url)}: title {parsed.title!r}, published {published}, "
              f"{len(parsed.body_text)} characters of body")
    if problems:
        return Probe("article", False, f"{detail}; {', '.join(problems)}",
                     "give CSS selectors " + ", ".join(advice)), url
    return Probe("article", True, detail), url


def probe_source(portal: Portal, fetcher: Fetcher, now: datetime | None = None) -> SourceReport:
    """Run every probe against ``portal``; the article probe reads the first URL any strategy found,
    in the order the crawler would use them."""
    now = now or datetime.now(timezone.utc)
    fetcher.register(portal.base_url, portal.host_policy())
    report = SourceReport(portal.id, portal.base_url)
    robots, advertised = _robots(portal, fetcher)
    sitemap, sitemap_urls = _sitemap(portal, fetcher, advertised)
    feed, feed_urls = _feed(portal, fetcher)
    listing, listing_urls = _listing(portal, fetcher, now)
    ordered = {"listing": listing_urls, "feed": feed_urls, "sitemap": sitemap_urls}
    candidates = [*(ordered.get(s, []) for s in portal.discovery), listing_urls, feed_urls, sitemap_urls]
    article, report.article_url = _article(portal, fetcher, next((c for c in candidates if c), []))
    report.probes = [robots, sitemap, feed, listing, article]
    return report
