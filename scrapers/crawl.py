"""Crawl one portal for one interval: discovery, then each article page, into a PageStore.

One article failing never fails the portal; a portal whose listings cannot be read at all comes
back with ``portal_error`` set so the caller can fail that portal's task and only that one.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from scrapers.discovery import DiscoveredArticle, Discoverer, DiscoveryError
from scrapers.fetch import FetchResult, Fetcher, StoredValidators
from scrapers.registry import Portal
from scrapers.store import MemoryPageStore, PageStore

log = logging.getLogger(__name__)

__all__ = ["ArticleRef", "CrawlReport", "crawl_portal", "PageStore", "MemoryPageStore", "StoredValidators"]

# Errors worth one more pass at the end of the crawl, once the site had time to recover.
_TRANSIENT = {"network", "http", "robots_unavailable"}
# Outcomes that are policy, not failure.
_SKIPPED = {"offsite_redirect", "unsafe_redirect", "invalid_url"}


@dataclass(frozen=True)
class ArticleRef:
    url: str
    page_id: int | None
    listed_published: datetime | None


@dataclass
class CrawlReport:
    portal_id: str
    start: datetime | None = None
    end: datetime | None = None
    run_id: str | None = None
    listing_pages: int = 0
    articles_found: int = 0
    pages_fetched: int = 0  # article responses received (200 + 304)
    stored: int = 0  # article pages with a new body in the store
    not_modified: int = 0  # 304, or a 200 whose body was already stored
    failures: list[tuple[str, str]] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    articles: list[ArticleRef] = field(default_factory=list)
    portal_error: str | None = None
    strategy: str | None = None
    seconds: float = 0.0
    inactive: bool = False  # the portal did not publish during the interval (active_from/until)
    degraded: str | None = None  # read, but something was lost: listing pages or articles that failed
    listing_failures: int = 0

    def summary(self) -> str:
        state = (f"PORTAL ERROR: {self.portal_error}" if self.portal_error
                 else f"DEGRADED: {self.degraded}" if self.degraded else "ok")
        return (f"crawl {self.portal_id} [{self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M}): {state}; "
                f"{self.listing_pages} listing pages, {self.articles_found} articles found, "
                f"{self.pages_fetched} fetched ({self.stored} stored, {self.not_modified} not modified), "
                f"{len(self.failures)} failed, {len(self.disallowed)} disallowed by robots.txt, "
                f"{len(self.skipped)} skipped, {self.seconds:.1f}s")


class _Crawl:
    def __init__(self, portal: Portal, fetcher: Fetcher, store: PageStore, run_id: str | None,
                 report: CrawlReport, progress_every: int):
        self.portal, self.fetcher, self.store, self.run_id = portal, fetcher, store, run_id
        self.report = report
        self.progress_every = progress_every
        self.lock = threading.Lock()
        self.done = 0

    def log_fetch(self, url: str, outcome: str, result: FetchResult | None, page_id: int | None = None) -> None:
        self.store.log_fetch(self.run_id, self.portal.id, url, outcome,
                             result.status_code if result else None, result.error if result else None,
                             page_id, result.elapsed_ms if result else None)

    def on_listing(self, kind: str, url: str, result: FetchResult) -> None:
        """Keep every listing/feed response as fetched and log every request."""
        if result.ok:
            before = self.store.validators(result.url)
            page_id = self.store.save_page(self.portal.id, "feed" if kind == "feed" else "listing", result)
            unchanged = before is not None and before.page_id == page_id
            self.log_fetch(url, "not_modified" if unchanged else "stored", result, page_id)
        else:
            self.log_fetch(url, "disallowed" if result.error_kind == "disallowed" else "error", result)

    def article(self, item: DiscoveredArticle) -> tuple[str, FetchResult]:
        validators = self.store.validators(item.url)
        result = self.fetcher.fetch(item.url, validators=validators, allowed_hosts=self.portal.hosts)
        r = self.report
        if result.not_modified:
            page_id = validators.page_id if validators else None
            self.log_fetch(item.url, "not_modified", result, page_id)
            outcome = "not_modified"
        elif result.ok:
            page_id = self.store.save_page(self.portal.id, "article", result)
            unchanged = validators is not None and validators.page_id == page_id
            outcome = "not_modified" if unchanged else "stored"
            self.log_fetch(item.url, outcome, result, page_id)
        else:
            page_id = None
            kind = result.error_kind or "error"
            outcome = "disallowed" if kind == "disallowed" else "skipped" if kind in _SKIPPED else "error"
            self.log_fetch(item.url, outcome, result)
        with self.lock:
            if outcome in ("stored", "not_modified"):
                r.pages_fetched += 1
                r.stored += outcome == "stored"
                r.not_modified += outcome == "not_modified"
                r.articles.append(ArticleRef(item.url, page_id, item.listed_published))
            elif outcome == "disallowed":
                r.disallowed.append(item.url)
            elif outcome == "skipped":
                r.skipped.append((item.url, result.error or kind))
            self.done += 1
            if self.progress_every and self.done % self.progress_every == 0:
                log.info("%s: %d/%d articles done (%d stored, %d not modified)", self.portal.id, self.done,
                         r.articles_found, r.stored, r.not_modified)
        return outcome, result

    def articles(self, items: list[DiscoveredArticle], workers: int) -> list[tuple[DiscoveredArticle, FetchResult]]:
        """Fetch the items; return those that failed with their last result."""
        if workers <= 1:
            outcomes = [self.article(i) for i in items]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"crawl-{self.portal.id}") as pool:
                outcomes = list(pool.map(self.article, items))
        return [(item, res) for item, (outcome, res) in zip(items, outcomes) if outcome == "error"]


def crawl_portal(portal: Portal, start: datetime, end: datetime, fetcher: Fetcher, store: PageStore,
                 run_id: str | None = None, *, retry_failed: bool = True, progress_every: int = 25,
                 workers: int | None = None) -> CrawlReport:
    """Discover the articles ``portal`` published in [start, end) and fetch each into ``store``.

    ``workers`` threads fetch articles (default: the portal's concurrency + 2). The fetcher's per-host
    semaphore and rate limit still bound what the site sees; the extra threads only let one article's
    retry backoff overlap with the next article's request instead of leaving the host idle.
    """
    began = time.monotonic()
    report = CrawlReport(portal_id=portal.id, start=start, end=end, run_id=run_id)
    if not portal.active_during(start, end):
        report.inactive = True
        log.info("%s: not active between %s and %s (active %s .. %s); nothing to crawl", portal.id, start, end,
                 portal.active_from, portal.active_until)
        return report
    crawl = _Crawl(portal, fetcher, store, run_id, report, progress_every)
    discoverer = Discoverer(portal, fetcher, on_fetch=crawl.on_listing)
    items: list[DiscoveredArticle] = []
    try:
        for item in discoverer.discover(start, end):
            items.append(item)
    except DiscoveryError as exc:
        report.portal_error = str(exc)
    stats = discoverer.stats
    report.listing_pages = stats.pages
    report.strategy = stats.strategy
    report.articles_found = len(items)
    report.failures.extend(stats.failed_pages)
    report.listing_failures = len(stats.failed_pages)
    if report.portal_error is None and stats.first_pages_read and not stats.first_page_links:
        report.portal_error = (f"the first page of {stats.first_pages_read} listings was read but held no article "
                               "link: the layout changed or the pages are not listings (check the registry's selectors)")
    log.info("%s: discovery found %d articles in %d listing pages (%s)", portal.id, len(items), stats.pages,
             stats.strategy or "listing")
    workers = workers or portal.politeness.concurrency + 2
    if report.portal_error is None:
        failed = crawl.articles(items, workers)
        retry = [(i, r) for i, r in failed if retry_failed and r.error_kind in _TRANSIENT
                 and not (r.status_code and 400 <= r.status_code < 500 and r.status_code != 429)]
        if retry:
            log.info("%s: second pass over %d failed articles", portal.id, len(retry))
            failed = [f for f in failed if f not in retry] + crawl.articles([i for i, _ in retry], workers)
        report.failures.extend((i.url, r.error or r.error_kind or "error") for i, r in failed)
        lost = [f"{report.listing_failures} listing pages"] if report.listing_failures else []
        # what a later crawl can bring back (the site was down or slow), not what it refuses for good
        # (a page gone, too large, a redirect loop): those stay listed as failures only
        recoverable = [i for i, r in failed if r.error_kind in _TRANSIENT
                       and not (r.status_code and 400 <= r.status_code < 500 and r.status_code != 429)]
        if recoverable:
            lost.append(f"{len(recoverable)} of {len(items)} articles")
        if lost:
            report.degraded = " and ".join(lost) + " could not be fetched"
    report.seconds = time.monotonic() - began
    (log.error if report.portal_error else log.info)("%s", report.summary())
    return report
