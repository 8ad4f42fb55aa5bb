"""What the DAG tasks need from Airflow's side: the run's window and the warehouse connection."""
from __future__ import annotations

import logging
from datetime import datetime

import pendulum

from vnict.settings import load_settings

log = logging.getLogger(__name__)

LOCAL_TZ = "Asia/Ho_Chi_Minh"


def run_window(data_interval_start, data_interval_end, params: dict | None) -> tuple[datetime, datetime]:
    """The interval a run covers: its data interval, unless `since`/`until` params override it."""
    params = params or {}
    start = _parse(params.get("since")) or data_interval_start
    end = _parse(params.get("until")) or data_interval_end or pendulum.now("UTC")
    if start is None:
        raise ValueError("the run has no data interval and no `since` param")
    if start >= end:
        raise ValueError(f"empty window: since {start} is not before until {end}")
    return start, end


def _parse(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return pendulum.parse(str(value), tz=LOCAL_TZ)
    except Exception as exc:
        raise ValueError(f"cannot read {value!r} as a date (use YYYY-MM-DD)") from exc


def warehouse_dsn() -> str:
    """The Airflow connection `warehouse` when defined (e.g. AIRFLOW_CONN_WAREHOUSE), else the
    project's own resolution (WAREHOUSE_DSN or the embedded Postgres), migrated."""
    from vnict.pipeline import prepare_warehouse
    from warehouse.migrate import apply_migrations

    settings = load_settings()
    try:
        from airflow.sdk import Connection

        conn = Connection.get("warehouse")
    except Exception:
        conn = None
    if conn is not None:
        dsn = conn.get_uri().replace("postgres://", "postgresql://", 1)
        apply_migrations(dsn, settings.sql_dir, settings.bi_reader_password)
        return dsn
    return prepare_warehouse(settings)
