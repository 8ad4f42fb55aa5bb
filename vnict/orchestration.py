"""What the DAG files need from the project: run windows, the warehouse connection, assets, the dbt
task group and the run summary. Everything a DAG file calls at import time here is cheap (no
database, no network, no dbt invocation); the rest runs inside tasks.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pendulum

from vnict.settings import REPO_ROOT, Settings, load_settings

log = logging.getLogger(__name__)

LOCAL_TZ = "Asia/Ho_Chi_Minh"
WAREHOUSE_CONN_ID = "warehouse"
DBT_MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"

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


# -- dbt -------------------------------------------------------------------------------------------

def ensure_dbt_manifest(settings: Settings | None = None, force: bool = False) -> Path:
    """Write dbt_project/target/manifest.json with `dbt parse` when missing or older than the project.

    The DAGs load the dbt graph from this file, so parsing a DAG never runs dbt.
    """
    from warehouse.connection import airflow_uri, dbt_env

    settings = settings or load_settings()
    project = settings.dbt_project_dir
    manifest = project / "target" / "manifest.json"
    stamp = manifest.with_name("manifest.connection")
    target = _connection_fingerprint(settings)
    if not force and manifest.exists() and stamp.exists() and stamp.read_text() == target:
        newest = max((p.stat().st_mtime for d in ("models", "seeds", "macros", "tests", "analyses")
                      for p in (project / d).rglob("*") if p.is_file()), default=0)
        newest = max([newest] + [(project / f).stat().st_mtime for f in ("dbt_project.yml", "profiles.yml")])
        if manifest.stat().st_mtime >= newest:
            return manifest
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # Parse against the connection the tasks will use, so that their dbt reuses this parse
    # (dbt's partial parsing requires the same host, port, user, database and schema).
    uri = airflow_uri(settings.warehouse)
    if uri and uri.startswith("postgres"):
        env.update(dbt_env(uri))
    log.info("writing the dbt manifest (dbt parse)")
    result = subprocess.run([str(dbt), "parse", "--project-dir", str(project), "--profiles-dir", str(project),
                             "--profile", "vnict", "--target", "warehouse"],
                            cwd=project, env=env, text=True, capture_output=True)
    if result.returncode != 0 or not manifest.exists():
        raise RuntimeError(f"`dbt parse` failed (exit {result.returncode}):\n{result.stdout[-3000:]}")
    stamp.write_text(target)
    return manifest


def _connection_fingerprint(settings: Settings) -> str:
    """host:port/db@user of the warehouse the manifest was parsed for (no password)."""
    from urllib.parse import urlsplit

    from warehouse.connection import airflow_uri

    uri = airflow_uri(settings.warehouse) or ""
    parts = urlsplit(uri)
    return f"{parts.username}@{parts.hostname}:{parts.port}{parts.path} profile=vnict target=warehouse"


# How the dbt task group runs. Measured on the marts DAG over the make-run data (2 shared cores):
# watcher 53 s, build 104 s (a plain `dbt build` about 25 s).
#   watcher - one `dbt build` (the producer task, in the pool dbt_build) runs the whole project with
#             dbt's threads; one deferred sensor per seed/model/test shows each node's result;
#   build   - one `dbt build --select node` task per seed and model (its tests included);
#   after_each - one `dbt run` task per model and one `dbt test` task after it (a dbt start-up each).
DBT_EXECUTION = os.environ.get("VNICT_DBT_EXECUTION", "watcher")


def dbt_task_group(group_id: str = "dbt", **kwargs):
    """The dbt project as Airflow tasks (cosmos), loaded from the manifest: no dbt at parse time, no
    `dbt deps`. Data tests are not retried: a failing test fails the same way again, minutes later."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    settings = load_settings()
    manifest = settings.dbt_project_dir / "target" / "manifest.json"
    if not manifest.exists():
        raise FileNotFoundError(
            f"{manifest} is missing: the DAG loads the dbt graph from it. Create it with "
            "`vnict ui`, `vnict run` or `dbt parse --project-dir dbt_project --profiles-dir dbt_project`")
    mode = DBT_EXECUTION
    if mode not in ("watcher", "build", "after_each"):
        raise ValueError(f"VNICT_DBT_EXECUTION must be watcher, build or after_each, got {mode!r}")
    operator_args = {"install_deps": False}
    if mode == "watcher":
        # The sensors wait in the triggerer (deferrable: cosmos' poke mode never ends for detached tests).
        # 5 s between looks: a trigger firing within a second or two of the deferral can meet an Airflow
        # scheduler race (apache/airflow#67287, #72716) that fails the task; most sensors start after
        # their node finished and succeed without deferring at all.
        operator_args.update(poke_interval=5)
    else:
        # One instance of a node's task at a time across runs: two runs must not rebuild a table together.
        operator_args["max_active_tis_per_dag"] = 1
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=settings.dbt_project_dir,
            manifest_path=manifest,
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="vnict",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=WAREHOUSE_CONN_ID,
                # as in dbt_project/profiles.yml, which `dbt parse` used: same profile, reusable parse
                profile_args={"schema": "dbt", "threads": 2, "connect_timeout": 10}),
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER if mode == "watcher" else ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            # a model's test task runs only the tests of that model, not tests on models not built yet
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
            dbt_executable_path=Path(sys.executable).with_name("dbt"),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD if mode == "build" else TestBehavior.AFTER_EACH,
            # tests spanning several models (relationships, singular tests) run once all of them are built
            should_detach_multiple_parents_tests=True,
            dbt_deps=False,
            emit_datasets=False,
        ),
        operator_args=operator_args,
        **kwargs,
    )
    for task in group.iter_tasks():
        name = type(task).__name__
        if "Producer" in name:
            # one whole-project build at a time across runs and DAGs; it runs the data tests, so a
            # failing test fails it, and the run, at once: it is not run again
            task.pool = DBT_POOL
            task.retries = 0
        elif mode == "watcher":
            # a sensor only shows its node's result from the build; one retry seconds later gets it past
            # the scheduler race above (measured: 2 of 6 nightly runs lost a test sensor to it)
            task.retries = 1
            task.retry_delay = timedelta(seconds=5)
            task.max_retry_delay = timedelta(seconds=10)
        elif "Test" in name or mode == "build":  # a build task runs its model's tests
            task.retries = 0
    return group


# -- reprocessing ----------------------------------------------------------------------------------

def pages_to_reprocess(dsn: str, since: datetime | None, until: datetime | None, by: str = "published",
                       portal_id: str | None = None) -> dict[str, list[int]]:
    """Stored article pages to parse again, grouped by portal: the latest page of each article URL.

    by="published": articles whose publication date is in [since, until) (what an engineer means by
    "reprocess 2021"); by="fetched": pages fetched in [since, until), including pages that never
    parsed into an article.
    """
    import psycopg

    from warehouse.pages import PostgresPageStore

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
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select a.article_id from staging.articles a join raw.pages p on p.page_id = any(%s)"
            " and (a.url = p.url or p.url = any(a.duplicate_urls)) group by a.article_id",
            (list(page_ids),)).fetchall()
    return [r[0] for r in rows]


def mapped_values(values) -> list:
    """The values of a mapped task as a list: Airflow hands a lone instance's dict over unwrapped."""
    if values is None:
        return []
    if isinstance(values, dict):
        return [values]
    return list(values)


# -- run summary -----------------------------------------------------------------------------------

def portal_run_stats(dsn: str, run_id: str | None, article_ids_by_portal: dict[str, list[str]]) -> dict:
    """Per portal, from the warehouse: requests this run made (raw.fetch_log) and figures now held
    for the articles the run loaded. Works for portals whose task failed too."""
    import psycopg

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


def log_run_summary(portals: list[str], reports: list[dict], extract_report: dict | None, dsn: str,
                    run_id: str | None) -> dict:
    """One line per portal (pages fetched, articles new/updated, figures, failures), including the
    portals whose task failed, then the warehouse totals."""
    from vnict.pipeline import warehouse_summary

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
