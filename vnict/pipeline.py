"""The steps of a nightly run, as plain functions: the DAG tasks and the CLI call these.

Each step takes the warehouse DSN and returns a small JSON-able report, so Airflow can pass it
between tasks (XCom) and the run summary can be printed from it.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

import psycopg

from vnict.settings import Settings, load_settings

log = logging.getLogger(__name__)


class PortalUnavailable(RuntimeError):
    """A portal could not be crawled at all; its Airflow task fails, the others go on."""


class PortalDegraded(RuntimeError):
    """A portal was crawled but lost pages; its task fails after parsing what was read."""


# -- warehouse -------------------------------------------------------------------------------------

def prepare_warehouse(settings: Settings | None = None) -> str:
    """Start (if embedded) and migrate the warehouse; return its DSN."""
    from warehouse.connection import resolve_dsn
    from warehouse.migrate import apply_migrations

    settings = settings or load_settings()
    dsn = resolve_dsn(settings.warehouse)
    apply_migrations(dsn, settings.sql_dir, settings.bi_reader_password)
    return dsn


# -- sources ---------------------------------------------------------------------------------------

def load_sources(settings: Settings | None = None, *, for_fetching: bool = True):
    """The registry; in mirror mode, when fetching, every portal the mirror serves points at the
    running mirror. Parsing needs only the portals' settings, so it never needs the mirror."""
    import json

    from scrapers.registry import load_registry

    settings = settings or load_settings()
    if settings.sources_mode == "live" or not for_fetching:
        return load_registry()
    sites_file = settings.mirror_sites_file
    if not sites_file.exists():
        raise RuntimeError(f"the portal mirror is not running ({sites_file} is missing); "
                           "start it with `vnict mirror start`, or set VNICT_SOURCES=live")
    return load_registry(base_url_overrides=json.loads(sites_file.read_text()))


def portals_for_interval(start: datetime, end: datetime, settings: Settings | None = None) -> list[str]:
    """Ids of the portals to crawl for an interval: enabled, reachable in this mode, active in it."""
    settings = settings or load_settings()
    registry = load_sources(settings)
    return [p.id for p in registry.active_portals(start, end, mode=settings.sources_mode)]


# -- crawl -----------------------------------------------------------------------------------------

def crawl(portal_id: str, start: datetime, end: datetime, dsn: str, run_id: str | None = None,
          settings: Settings | None = None) -> dict:
    """Discover and fetch a portal's articles published in [start, end) into raw.pages, after
    going over the windows earlier crawls of the portal left incomplete (raw.crawl_gaps)."""
    from scrapers.crawl import crawl_portal
    from scrapers.fetch import Fetcher
    from warehouse.gaps import close_gap, open_gaps, record_gap
    from warehouse.host_locks import host_lock
    from warehouse.pages import PostgresPageStore

    settings = settings or load_settings()
    portal = load_sources(settings).get(portal_id)
    began = time.monotonic()
    reports = []
    # one crawl of a host at a time, whichever worker runs it: each keeps the host's rate only for itself
    with host_lock(dsn, portal.host, f"crawl {portal_id}"), \
            Fetcher(allow_private=settings.sources_mode == "mirror") as fetcher, PostgresPageStore(dsn) as store:
        earlier = [g for g in open_gaps(dsn, portal_id) if (g.start, g.end) != (start, end)]
        for gap in earlier:
            log.info("crawl %s: going over the gap %s .. %s again (%s; attempt %d)", portal_id, gap.start,
                     gap.end, gap.reason, gap.attempts + 1)
            reports.append(crawl_portal(portal, gap.start, gap.end, fetcher, store, run_id=run_id))
        reports.append(crawl_portal(portal, start, end, fetcher, store, run_id=run_id))
        hosts = {host: {"requests": int(h["requests"]), "interval": h["interval"]}
                 for host, h in fetcher.host_stats().items()}
    windows = [(g.start, g.end) for g in earlier] + [(start, end)]
    for (w_start, w_end), report in zip(windows, reports):
        lost = report.portal_error or report.degraded
        if lost:
            record_gap(dsn, portal_id, w_start, w_end, lost, run_id)
        else:
            close_gap(dsn, portal_id, w_start, w_end)
    report = reports[-1]
    summary = {
        "portal_id": portal_id,
        "articles_found": report.articles_found,
        "pages_fetched": sum(r.pages_fetched for r in reports),
        "not_modified": sum(r.not_modified for r in reports),
        "failures": [[url, err] for r in reports for url, err in r.failures],
        "page_ids": sorted({a.page_id for r in reports for a in r.articles if a.page_id is not None}),
        "portal_error": report.portal_error,
        "degraded": "; ".join(f"{w[0]:%Y-%m-%d}..{w[1]:%Y-%m-%d}: {r.degraded}"
                              for w, r in zip(windows, reports) if r.degraded) or None,
        "gaps_retried": len(earlier),
        "gaps_closed": sum(1 for r in reports[:-1] if not (r.portal_error or r.degraded)),
        "seconds": round(time.monotonic() - began, 1),
        # per host: requests made and the enforced interval between them (the run's politeness bound)
        "hosts": hosts,
    }
    log.info("crawl %s: %d articles found, %d pages fetched, %d not modified, %d failures, %d earlier gaps "
             "retried (%d closed)", portal_id, summary["articles_found"], summary["pages_fetched"],
             summary["not_modified"], len(summary["failures"]), summary["gaps_retried"], summary["gaps_closed"])
    if report.portal_error:
        raise PortalUnavailable(f"portal {portal_id} could not be crawled: {report.portal_error}")
    return summary


def parse_crawled(crawl_report: dict, dsn: str, settings: Settings | None = None) -> dict:
    """Parse what a crawl stored; then fail when the crawl lost pages, so the loss shows in the run
    (what was read is parsed first, and the lost window is kept for the next crawl)."""
    report = parse(crawl_report["page_ids"], dsn, settings=settings)
    if crawl_report.get("degraded"):
        raise PortalDegraded(f"portal {crawl_report['portal_id']} lost pages: {crawl_report['degraded']}; "
                             "the window stays in raw.crawl_gaps and the next crawl goes over it again")
    return report


# -- parse -----------------------------------------------------------------------------------------

def parse(page_ids: list[int], dsn: str, settings: Settings | None = None) -> dict:
    """Parse stored article pages into staging.articles; copies of a story fold into the original."""
    from scrapers.parsing import PARSER_VERSION, near_duplicate, parse_page
    from warehouse.articles import ArticleRow, ArticleStore
    from warehouse.pages import PostgresPageStore

    settings = settings or load_settings()
    registry = load_sources(settings, for_fetching=False)
    live_hosts = {p.id: urlsplit(p.live_base_url).hostname for p in registry.portals}
    outcomes: Counter = Counter()
    flagged: Counter = Counter()
    article_ids = []
    with PostgresPageStore(dsn) as pages, psycopg.connect(dsn, autocommit=True) as conn:
        store = ArticleStore(conn, is_near_duplicate=near_duplicate, portal_hosts=live_hosts)
        for page in pages.load_pages(page_ids):
            portal = registry.get(page.portal_id)
            try:
                parsed = parse_page(page.body, page.final_url, portal.parse_config, portal.province,
                                    headers=page.headers, encoding=page.encoding)
            except Exception as exc:  # a broken page is logged and skipped; its bytes stay in raw.pages
                log.warning("could not parse page %s (%s): %s", page.page_id, page.url, exc)
                outcomes["failed"] += 1
                continue
            row = ArticleRow(
                portal_id=page.portal_id, page_id=page.page_id, url=page.url,
                canonical_url=parsed.canonical_url or page.url, province_name=parsed.province,
                title=parsed.title, published_at=parsed.published_at, published_raw=parsed.published_raw,
                body_text=parsed.body_text, source_line=parsed.source_line,
                source_outlet=parsed.source_outlet, quality_flags=list(parsed.quality_flags),
                body_fingerprint=parsed.fingerprint, parser_version=PARSER_VERSION)
            outcome = store.upsert(row)
            outcomes[outcome] += 1
            for flag in parsed.quality_flags:
                flagged[flag["flag"]] += 1
            if outcome in ("new", "updated"):
                article_ids.append(row.article_id)
    report = {"pages": len(page_ids), **outcomes, "flags": dict(flagged), "article_ids": article_ids}
    log.info("parse: %d pages -> %s; quality flags %s", len(page_ids), dict(outcomes), dict(flagged))
    return report


# -- extract ---------------------------------------------------------------------------------------

def extract(dsn: str, article_ids: list[str] | None = None, force: bool = False) -> dict:
    """Read figures from articles the current extractor version has not read yet."""
    from extraction import EXTRACTOR_VERSION
    from extraction import extract as extract_text
    from warehouse.mentions import MentionStore

    figures = 0
    by_indicator: Counter = Counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        store = MentionStore(conn)
        pending = store.pending(EXTRACTOR_VERSION, article_ids, force=force)
        log.info("extract: %d articles to read with extractor %s", len(pending), EXTRACTOR_VERSION)
        for i, article in enumerate(pending, 1):
            try:
                mentions = extract_text(article.body_text, article.published_date, article.province_name)
            except Exception as exc:  # one unreadable article must not stop the others
                log.warning("extraction failed on article %s: %s", article.article_id, exc)
                continue
            figures += store.replace(article.article_id, mentions, EXTRACTOR_VERSION)
            by_indicator.update(m.indicator for m in mentions)
            if i % 200 == 0:
                log.info("extract: %d/%d articles read, %d figures so far", i, len(pending), figures)
    log.info("extract: %d figures from %d articles", figures, len(pending))
    return {"articles": len(pending), "figures": figures, "by_indicator": dict(by_indicator)}


# -- dbt -------------------------------------------------------------------------------------------

# -- summary ---------------------------------------------------------------------------------------

def warehouse_summary(dsn: str) -> dict:
    """Row counts a person checks after a run."""
    queries = {
        "raw_pages": "select count(*) from raw.pages",
        "articles": "select count(*) from staging.articles",
        "figures": "select count(*) from staging.indicator_mentions",
        "fct_infrastructure_indicators": "select count(*) from marts.fct_infrastructure_indicators",
        "fct_egov_indicators": "select count(*) from marts.fct_egov_indicators",
        "fct_province_indicator_years": "select count(*) from marts.fct_province_indicator_years",
        "dim_province": "select count(*) from marts.dim_province",
        "dim_indicator": "select count(*) from marts.dim_indicator",
        "open_crawl_gaps": "select count(*) from raw.crawl_gaps where closed_at is null",
    }
    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, sql in queries.items():
            try:
                out[name] = conn.execute(sql).fetchone()[0]
            except psycopg.errors.UndefinedTable:
                out[name] = None
    return out

