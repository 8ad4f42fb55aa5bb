"""What the DAG files need from the project: run windows, the warehouse connection, assets, pools
and the run summary (the dbt task group is vnict.dbt_tasks; the warehouse queries are
warehouse.runs). Everything a DAG file calls at import time here is cheap (no database, no network,
no dbt invocation); the rest runs inside tasks.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

import pendulum

from vnict.settings import load_settings

log = logging.getLogger(__name__)

LOCAL_TZ = "Asia/Ho_Chi_Minh"
WAREHOUSE_CONN_ID = "warehouse"

# Airflow pools (name: slots, description), created whenever the project starts Airflow. Portals
# are different hosts, each crawled at its own polite rate, so their tasks run side by side; the
# dbt build has one slot, so two runs (nightly, marts, backfills) never build the marts together.
CRAWL_POOL = "portal_crawl"
DBT_POOL = "dbt_build"
POOLS = {
    CRAWL_POOL: (8, "portal crawl tasks running at once (each keeps its host's politeness)"),
    DBT_POOL: (1, "dbt builds running at once: one, so two runs never rebuild the same tables together"),
}


# -- defaults shared by every DAG ------------------------------------------------------------------

def default_args() -> dict:
    """Owner, retries with exponential backoff and an execution timeout; VNICT_TASK_RETRIES,
    VNICT_RETRY_DELAY_SECONDS and VNICT_TASK_TIMEOUT_MINUTES change them (tests, demos)."""
    retries = int(os.environ.get("VNICT_TASK_RETRIES", "2"))
    delay = float(os.environ.get("VNICT_RETRY_DELAY_SECONDS", "60"))
    timeout = float(os.environ.get("VNICT_TASK_TIMEOUT_MINUTES", "120"))
    return {
        "owner": "data-engineering",
        "retries": retries,
        "retry_delay": timedelta(seconds=delay),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
        # a task that hangs (a portal dripping bytes, a stuck connection) fails instead of holding the run
        "execution_timeout": timedelta(minutes=timeout),
    }


# -- assets ----------------------------------------------------------------------------------------

def staging_assets():
    """The staging tables as Airflow assets: written by the nightly and reprocess DAGs, read by dbt."""
    from airflow.sdk import Asset

    articles = Asset(name="staging.articles", uri="vnict://warehouse/staging/articles",
                     group="staging")
    mentions = Asset(name="staging.indicator_mentions", uri="vnict://warehouse/staging/indicator_mentions",
                     group="staging")
    return articles, mentions


# -- run window ------------------------------------------------------------------------------------

def run_window(data_interval_start, data_interval_end, params: dict | None) -> tuple[datetime, datetime]:
    """The interval a run covers: its data interval, unless `since`/`until` params override it."""
    params = params or {}
    start = parse_day(params.get("since")) or data_interval_start
    end = parse_day(params.get("until")) or data_interval_end or pendulum.now("UTC")
    if start is None:
        raise ValueError("the run has no data interval and no `since` param")
    if start >= end:
        raise ValueError(f"empty window: since {start} is not before until {end}")
    return start, end


def parse_day(value) -> datetime | None:
    """A day a person typed (YYYY-MM-DD), as a local datetime; empty is no bound."""
    if value in (None, ""):
        return None
    try:
        return pendulum.parse(str(value), tz=LOCAL_TZ)
    except Exception as exc:
        raise ValueError(f"cannot read {value!r} as a date (use YYYY-MM-DD)") from exc


# -- warehouse connection --------------------------------------------------------------------------

def warehouse_dsn(migrate: bool = False) -> str:
    """The DSN a task uses: the Airflow connection `warehouse` as warehouse.connection.task_dsn
    resolves it."""
    from warehouse.connection import task_dsn
    from warehouse.migrate import apply_migrations

    settings = load_settings()
    dsn = task_dsn(settings.warehouse, _connection_uri(WAREHOUSE_CONN_ID))
    if migrate:
        apply_migrations(dsn, settings.sql_dir, settings.bi_reader_password)
    return dsn


def _connection_uri(conn_id: str) -> str | None:
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
    except Exception:  # not defined, or not inside Airflow at all
        return None
    return conn.get_uri()


# -- reprocessing ----------------------------------------------------------------------------------

def mapped_values(values) -> list:
    """The values of a mapped task as a list: Airflow hands a lone instance's dict over unwrapped."""
    if values is None:
        return []
    if isinstance(values, dict):
        return [values]
    return list(values)


# -- run summary -----------------------------------------------------------------------------------

def log_run_summary(portals: list[str], reports: list[dict], extract_report: dict | None, dsn: str,
                    run_id: str | None) -> dict:
    """One line per portal (pages fetched, articles new/updated, figures, failures), including the
    portals whose task failed, then the warehouse totals."""
    from vnict.pipeline import warehouse_summary
    from warehouse.runs import portal_run_stats

    by_portal = {r["portal_id"]: r for r in mapped_values(reports) if r}
    stats = portal_run_stats(dsn, run_id, {p: r["parse"].get("article_ids", []) for p, r in by_portal.items()})
    lines = []
    for portal in portals:
        report = by_portal.get(portal)
        extra = stats.get(portal, {})
        if report is None:
            lines.append({"portal_id": portal, "status": "FAILED", "pages_fetched": extra.get("requests_stored", 0),
                          "articles_new": 0, "articles_updated": 0, "figures": 0,
                          "failures": extra.get("requests_error", 0)})
            continue
        crawl, parsed = report["crawl"], report["parse"]
        lines.append({"portal_id": portal, "status": "ok", "pages_fetched": crawl["pages_fetched"],
                      "articles_new": parsed.get("new", 0), "articles_updated": parsed.get("updated", 0),
                      "figures": extra.get("figures", 0),
                      "failures": len(crawl["failures"]) + parsed.get("failed", 0)})
    for line in lines:
        log.info("portal %(portal_id)-20s %(status)-6s pages fetched %(pages_fetched)4d  "
                 "articles new %(articles_new)4d  updated %(articles_updated)4d  figures %(figures)4d  "
                 "failures %(failures)3d", line)
    totals = warehouse_summary(dsn)
    log.info("figures extracted this run: %s", (extract_report or {}).get("figures", 0))
    log.info("warehouse totals: %s", totals)
    return {"portals": lines, "failed_portals": [ln["portal_id"] for ln in lines if ln["status"] != "ok"],
            "figures": (extract_report or {}).get("figures", 0), "totals": totals}
