"""
### Provincial ICT reprocess

Parses and extracts **stored** pages again, without fetching anything: run it when the parser or
the extractor improved. Trigger it by hand with a date range:

* `since` / `until` (YYYY-MM-DD, `until` exclusive; empty = no bound);
* `by`: `published` (articles published in the range, the usual choice) or `fetched` (pages
  fetched in the range, including pages that never parsed into an article);
* `portal_id`: only this portal (empty = all).

One mapped `parse` task per portal; then every article touched is read again by the extractor
(`force`). Its outputs, the staging assets, schedule `provincial_ict_marts`, which rebuilds the marts.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from vnict.orchestration import default_args, staging_assets

STAGING_ARTICLES, STAGING_MENTIONS = staging_assets()


@dag(
    dag_id="provincial_ict_reprocess",
    schedule=None,
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["vnict", "reprocessing"],
    doc_md=__doc__,
    params={
        "since": Param(None, type=["null", "string"], description="first day (YYYY-MM-DD), empty = no bound"),
        "until": Param(None, type=["null", "string"], description="day after the last (YYYY-MM-DD), empty = no bound"),
        "by": Param("published", enum=["published", "fetched"], description="which date the range applies to"),
        "portal_id": Param(None, type=["null", "string"], description="only this portal"),
    },
)
def provincial_ict_reprocess():
    @task
    def select_pages(params=None) -> list[dict]:
        """The latest stored page of each article in the range, grouped by portal."""
        from vnict.orchestration import parse_day, warehouse_dsn
        from warehouse.runs import pages_to_reprocess

        params = params or {}
        by_portal = pages_to_reprocess(warehouse_dsn(migrate=True), parse_day(params.get("since")),
                                       parse_day(params.get("until")), params.get("by") or "published",
                                       params.get("portal_id") or None)
        for portal, ids in sorted(by_portal.items()):
            print(f"{portal}: {len(ids)} stored pages to parse again")
        return [{"portal_id": portal, "page_ids": ids} for portal, ids in sorted(by_portal.items())]

    @task(outlets=[STAGING_ARTICLES], multiple_outputs=False, map_index_template="{{ portal_id }}")
    def parse(batch: dict) -> dict:
        get_current_context()["portal_id"] = batch["portal_id"]
        from vnict.orchestration import warehouse_dsn
        from warehouse.runs import article_ids_of_pages
        from vnict.pipeline import parse as parse_pages

        dsn = warehouse_dsn()
        report = parse_pages(batch["page_ids"], dsn)
        return {"portal_id": batch["portal_id"], **report,
                "article_ids": article_ids_of_pages(dsn, batch["page_ids"])}

    @task(trigger_rule="all_done", outlets=[STAGING_MENTIONS], multiple_outputs=False)
    def extract(reports) -> dict:
        """Read every touched article again with the current extractor."""
        from vnict.orchestration import mapped_values, warehouse_dsn
        from vnict.pipeline import extract as extract_figures

        ids = sorted({a for r in mapped_values(reports) if r for a in r["article_ids"]})
        if not ids:
            print("no articles to read again")
            return {"articles": 0, "figures": 0}
        return extract_figures(warehouse_dsn(), ids, force=True)

    @task
    def run_complete() -> None:
        """Succeeds only when every task did: `extract` runs on all_done, so without this check a
        failed selection or parse would still end in a successful run."""

    parsed = parse.expand(batch=select_pages())
    [parsed, extract(parsed)] >> run_complete()


provincial_ict_reprocess()
