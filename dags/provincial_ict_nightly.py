"""
### Provincial ICT nightly

Every night at 02:00 (Asia/Ho_Chi_Minh) this DAG collects the articles that provincial portals
published during the run's data interval, keeps every page in `raw.pages`, parses articles into
`staging.articles`, reads indicator figures into `staging.indicator_mentions`, and builds the
dbt marts.

* One mapped task per portal: a portal that fails or retries does not hold the others, and the
  downstream steps run for the portals that succeeded.
* Params `since` / `until` (YYYY-MM-DD) override the data interval, e.g. for a first run over history.
* Backfills: each backfill run covers only its own interval; reruns leave no duplicates.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

DEFAULT_ARGS = {
    "owner": "data-engineering",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


@dag(
    dag_id="provincial_ict_nightly",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="Asia/Ho_Chi_Minh"),
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=4,
    default_args=DEFAULT_ARGS,
    tags=["vnict", "ingestion", "nightly"],
    doc_md=__doc__,
    params={
        "since": Param(None, type=["null", "string"], description="override the interval start (YYYY-MM-DD)"),
        "until": Param(None, type=["null", "string"], description="override the interval end (YYYY-MM-DD)"),
    },
)
def provincial_ict_nightly():
    @task
    def plan(data_interval_start=None, data_interval_end=None, params=None) -> dict:
        from vnict.orchestration import run_window, warehouse_dsn
        from vnict.pipeline import portals_for_interval

        warehouse_dsn()
        start, end = run_window(data_interval_start, data_interval_end, params)
        return {"start": start.isoformat(), "end": end.isoformat(),
                "portals": portals_for_interval(start, end)}

    @task
    def portals_of(window: dict) -> list[str]:
        return window["portals"]

    @task(max_active_tis_per_dagrun=8)
    def crawl_portal(portal_id: str, window: dict, run_id=None) -> dict:
        import pendulum

        from vnict.orchestration import warehouse_dsn
        from vnict.pipeline import crawl

        return crawl(portal_id, pendulum.parse(window["start"]), pendulum.parse(window["end"]),
                     warehouse_dsn(), run_id=run_id)

    @task
    def parse_portal(crawl_report: dict) -> dict:
        from vnict.orchestration import warehouse_dsn
        from vnict.pipeline import parse

        return {"portal_id": crawl_report["portal_id"], **parse(crawl_report["page_ids"], warehouse_dsn())}

    @task(trigger_rule="all_done")
    def extract_figures(parse_reports) -> dict:
        from vnict.orchestration import warehouse_dsn
        from vnict.pipeline import extract

        return extract(warehouse_dsn())

    @task(trigger_rule="all_done")
    def dbt_build(extract_report: dict) -> None:
        from vnict.orchestration import warehouse_dsn
        from vnict.pipeline import run_dbt

        dsn = warehouse_dsn()
        run_dbt(dsn, ["seed"])
        run_dbt(dsn, ["build"])

    @task(trigger_rule="all_done")
    def summarize(crawl_reports, parse_reports, extract_report) -> dict:
        from vnict.orchestration import warehouse_dsn
        from vnict.pipeline import run_summary

        return run_summary(list(crawl_reports or []), list(parse_reports or []), extract_report,
                           warehouse_dsn())

    window = plan()
    crawled = crawl_portal.partial(window=window).expand(portal_id=portals_of(window))
    parsed = parse_portal.expand(crawl_report=crawled)
    extracted = extract_figures(parsed)
    built = dbt_build(extracted)
    summary = summarize(crawled, parsed, extracted)
    built >> summary


provincial_ict_nightly()
