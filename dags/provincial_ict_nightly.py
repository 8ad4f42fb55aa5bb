"""
### Provincial ICT nightly

Every night at 02:00 (Asia/Ho_Chi_Minh) this DAG collects the articles that provincial portals
published during the run's **data interval**, keeps every page in `raw.pages`, parses articles into
`staging.articles`, reads indicator figures into `staging.indicator_mentions`, and builds the dbt
marts (`dbt.build`: one `dbt build` of the whole project, seeds, models and every data test; its log
lists each node's result, and a failed node fails it by name).

* **One mapped task group per portal** (`portal.crawl` = discover + fetch, `portal.parse`): a portal
  that fails or retries does not hold the others; extraction and dbt run for the portals that
  succeeded. `run_complete` fails the run when a portal or a dbt task failed, after the marts are built.
* **Portals in parallel**: the crawl tasks share the pool `portal_crawl`; each keeps its host's rate.
* **Retries** with exponential backoff on every task (not on dbt's data tests: a failing test fails at once).
* **Backfills**: *Trigger > Backfill* (or `POST /api/v2/backfills`) over a date range; each run
  discovers only the articles published in its own interval, and reruns or overlapping runs leave
  no duplicates (pages are keyed by URL + content hash, articles by canonical URL).
  For long backfills pass `{"build_marts": false}` as run conf and trigger `provincial_ict_marts`
  once at the end.
* **Params**: `since` / `until` (YYYY-MM-DD, local time) override the data interval, e.g. for a
  first run over history; `build_marts` (default true).
* `summarize` logs one line per portal: pages fetched, articles new/updated, figures, failures.
* Warehouse: Airflow connection `warehouse` (`AIRFLOW_CONN_WAREHOUSE`), by default the embedded Postgres.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task, task_group

from vnict.dbt_tasks import dbt_task_group
from vnict.orchestration import CRAWL_POOL, default_args, staging_assets

STAGING_ARTICLES, STAGING_MENTIONS = staging_assets()


@dag(
    dag_id="provincial_ict_nightly",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="Asia/Ho_Chi_Minh"),
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=2,
    default_args=default_args(),
    tags=["vnict", "ingestion", "nightly"],
    doc_md=__doc__,
    params={
        "since": Param(None, type=["null", "string"], description="override the interval start (YYYY-MM-DD)"),
        "until": Param(None, type=["null", "string"], description="override the interval end (YYYY-MM-DD)"),
        "build_marts": Param(True, type="boolean", description="run the dbt build at the end of the run"),
    },
)
def provincial_ict_nightly():
    @task(multiple_outputs=False)
    def plan(data_interval_start=None, data_interval_end=None, params=None) -> dict:
        """Migrate the warehouse, fix the run's window and list the portals active in it."""
        from vnict.orchestration import run_window, warehouse_dsn
        from vnict.pipeline import portals_for_interval

        warehouse_dsn(migrate=True)
        start, end = run_window(data_interval_start, data_interval_end, params)
        portals = portals_for_interval(start, end)
        print(f"window {start.isoformat()} .. {end.isoformat()}: {len(portals)} portals {portals}")
        return {"start": start.isoformat(), "end": end.isoformat(), "portals": portals}

    @task
    def portal_ids(window: dict) -> list[str]:
        return window["portals"]

    @task_group(group_id="portal")
    def per_portal(portal_id: str, window: dict):
        @task(pool=CRAWL_POOL, multiple_outputs=False, map_index_template="{{ portal_id }}")
        def crawl(portal_id: str, window: dict, run_id=None) -> dict:
            """Discover the portal's articles published in the window and fetch them into raw.pages."""
            get_current_context()["portal_id"] = portal_id  # names the mapped task in the UI
            from vnict.orchestration import warehouse_dsn
            from vnict.pipeline import crawl as crawl_portal

            return crawl_portal(portal_id, pendulum.parse(window["start"]), pendulum.parse(window["end"]),
                                warehouse_dsn(), run_id=run_id)

        @task(outlets=[STAGING_ARTICLES], multiple_outputs=False, map_index_template="{{ portal_id }}")
        def parse(crawl_report: dict, params=None, outlet_events=None) -> dict:
            """Parse the pages the crawl stored into staging.articles."""
            get_current_context()["portal_id"] = crawl_report["portal_id"]
            from airflow.sdk.exceptions import AirflowFailException

            from vnict.orchestration import warehouse_dsn
            from vnict.pipeline import PortalDegraded, parse_crawled

            outlet_events[STAGING_ARTICLES].extra = {"marts_built_in_run": params["build_marts"]}
            try:
                report = parse_crawled(crawl_report, warehouse_dsn())
            except PortalDegraded as exc:  # retrying the parse would not bring the pages back
                raise AirflowFailException(str(exc)) from exc
            crawl_summary = {k: v for k, v in crawl_report.items() if k != "page_ids"}
            return {"portal_id": crawl_report["portal_id"], "crawl": crawl_summary, "parse": report}

        return parse(crawl(portal_id, window))

    @task(trigger_rule="all_done", outlets=[STAGING_MENTIONS], multiple_outputs=False)
    def extract(reports, params=None, outlet_events=None) -> dict:
        """Read figures from the articles loaded by the portals that succeeded."""
        from vnict.orchestration import warehouse_dsn
        from vnict.pipeline import extract as extract_figures

        outlet_events[STAGING_MENTIONS].extra = {"marts_built_in_run": params["build_marts"]}
        return extract_figures(warehouse_dsn())

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def marts_wanted(params=None) -> bool:
        return bool((params or {}).get("build_marts", True))

    @task(trigger_rule="all_done", multiple_outputs=False)
    def summarize(window: dict, reports, extract_report, run_id=None) -> dict:
        """Log the run summary, one line per portal, including failed portals."""
        from vnict.orchestration import log_run_summary, warehouse_dsn

        return log_run_summary(window["portals"], reports, extract_report, warehouse_dsn(), run_id)

    @task
    def run_complete(reports) -> None:
        """Succeeds only when every portal and every dbt task did: a failure anywhere fails the run,
        after the summary was logged and the marts were built for the portals that succeeded."""

    window = plan()
    reports = per_portal.partial(window=window).expand(portal_id=portal_ids(window))
    extracted = extract(reports)
    dbt = dbt_task_group(group_id="dbt")
    extracted >> marts_wanted() >> dbt
    summary = summarize(window, reports, extracted)
    dbt >> summary
    [summary, dbt] >> run_complete(reports)


provincial_ict_nightly()
