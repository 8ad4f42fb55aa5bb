"""Warehouse queries of the orchestration: which stored pages to parse again, which articles they
hold, and what a run fetched and loaded per portal."""
from __future__ import annotations

from datetime import datetime

import psycopg

from warehouse.pages import PostgresPageStore


def pages_to_reprocess(dsn: str, since: datetime | None, until: datetime | None, by: str = "published",
                       portal_id: str | None = None) -> dict[str, list[int]]:
    """Stored article pages to parse again, grouped by portal: the latest page of each article URL.

    by="published": articles whose publication date is in [since, until) (what an engineer means by
    "reprocess 2021"); by="fetched": pages fetched in [since, until), including pages that never
    parsed into an article.
    """
    if by not in ("published", "fetched"):
        raise ValueError(f"`by` must be 'published' or 'fetched', got {by!r}")
    if by == "fetched":
        with PostgresPageStore(dsn) as store:
            ids = store.article_page_ids(portal_id, since, until)
        sql, params = ("select portal_id, array_agg(page_id order by page_id) from raw.pages"
                       " where page_id = any(%s) group by portal_id", [ids])
    else:
        clauses, params = ["p.page_kind = 'article'", "p.status_code = 200"], []
        if since:
            clauses.append("a.published_date >= %s")
            params.append(since.date())
        if until:
            clauses.append("a.published_date < %s")
            params.append(until.date())
        if portal_id:
            clauses.append("p.portal_id = %s")
            params.append(portal_id)
        sql = ("select portal_id, array_agg(page_id order by page_id) from ("
               " select distinct on (p.url) p.portal_id, p.page_id from raw.pages p"
               " join staging.articles a on p.url = a.url or p.url = any(a.duplicate_urls)"
               " where " + " and ".join(clauses) +
               " order by p.url, p.fetched_at desc, p.page_id desc) latest group by portal_id")
    with psycopg.connect(dsn, autocommit=True) as conn:
        return {portal: list(ids) for portal, ids in conn.execute(sql, params).fetchall()}


def article_ids_of_pages(dsn: str, page_ids: list[int]) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select a.article_id from staging.articles a join raw.pages p on p.page_id = any(%s)"
            " and (a.url = p.url or p.url = any(a.duplicate_urls)) group by a.article_id",
            (list(page_ids),)).fetchall()
    return [r[0] for r in rows]



def portal_run_stats(dsn: str, run_id: str | None, article_ids_by_portal: dict[str, list[str]]) -> dict:
    """Per portal, from the warehouse: requests this run made (raw.fetch_log) and figures now held
    for the articles the run loaded. Works for portals whose task failed too."""
    stats: dict[str, dict] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        if run_id:
            for portal, outcome, n in conn.execute(
                    "select portal_id, outcome, count(*) from raw.fetch_log where run_id = %s"
                    " group by portal_id, outcome", (run_id,)).fetchall():
                stats.setdefault(portal, {})[f"requests_{outcome}"] = n
        for portal, ids in article_ids_by_portal.items():
            figures = conn.execute("select count(*) from staging.indicator_mentions where article_id = any(%s)",
                                   (list(ids),)).fetchone()[0] if ids else 0
            stats.setdefault(portal, {})["figures"] = figures
    return stats

