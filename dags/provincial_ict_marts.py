"""
### Provincial ICT marts

Rebuilds the dbt marts (`dbt.build`: one `dbt build` of the whole project) whenever the staging
tables change: it is scheduled on the assets `staging.articles` and `staging.indicator_mentions`,
which `provincial_ict_reprocess` and `provincial_ict_nightly` update. A nightly run builds the marts
itself, within its own run (its asset events say so), and then this DAG skips; after reprocessing,
or after backfill runs with `build_marts: false`, it builds them. Can also be triggered by hand.
"""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from vnict.dbt_tasks import dbt_task_group
from vnict.orchestration import default_args, staging_assets

STAGING_ARTICLES, STAGING_MENTIONS = staging_assets()


@dag(
    dag_id="provincial_ict_marts",
    schedule=(STAGING_ARTICLES | STAGING_MENTIONS),
    start_date=pendulum.datetime(2018, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["vnict", "dbt", "marts"],
    doc_md=__doc__,
)
def provincial_ict_marts():
    @task.short_circuit
    def staging_changed_since_marts(triggering_asset_events=None) -> bool:
        """Skip when every staging change came from a nightly run that builds the marts itself."""
        events = [e for evs in (triggering_asset_events or {}).values() for e in evs]
        outside = [e for e in events if not (e.extra or {}).get("marts_built_in_run")]
        print(f"{len(events)} staging events, {len(outside)} not followed by a marts build")
        return not events or bool(outside)

    staging_changed_since_marts() >> dbt_task_group(group_id="dbt")


provincial_ict_marts()
