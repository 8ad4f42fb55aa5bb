"""Which Postgres the project uses and with what credentials, decided here and nowhere else.

WAREHOUSE_DSN (a server Postgres) when set, otherwise the embedded cluster, started on demand.
The CLI and the pipeline call `resolve_dsn`; Airflow gets `default_uri` as its connection `warehouse`
(which cosmos' profile reads) and DAG tasks call `task_dsn`; dbt's profile reads `dbt_env`.
"""
from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from warehouse.embedded import EmbeddedPostgres, WarehouseError
from warehouse.settings import WarehouseSettings

log = logging.getLogger(__name__)


def resolve_dsn(settings: WarehouseSettings, *, start: bool = True) -> str:
    """The warehouse's libpq URI, checked to answer.

    With no external DSN the embedded cluster is started when `start` is true.
    """
    if settings.external_dsn:
        check_reachable(settings.external_dsn, origin="WAREHOUSE_DSN")
        return settings.external_dsn
    embedded = EmbeddedPostgres(settings)
    if start:
        return embedded.ensure_running()
    dsn = embedded.dsn()
    check_reachable(dsn, origin="the embedded warehouse (start it with `vnict db start`)")
    return dsn


def default_uri(settings: WarehouseSettings) -> str | None:
    """The URI of the Airflow connection `warehouse` when the user defines none: the external DSN,
    else the embedded cluster's (None before it was ever initialised). Nothing is started."""
    if settings.external_dsn:
        return settings.external_dsn
    try:
        return EmbeddedPostgres(settings).dsn()
    except WarehouseError:
        return None


def airflow_uri(settings: WarehouseSettings) -> str | None:
    """The URI of Airflow's connection `warehouse`: AIRFLOW_CONN_WAREHOUSE when the user set it,
    else `default_uri` (which is what `vnict` gives Airflow)."""
    return os.environ.get("AIRFLOW_CONN_WAREHOUSE") or default_uri(settings)


def task_dsn(settings: WarehouseSettings, configured_uri: str | None) -> str:
    """The DSN a task uses: the configured connection's (Airflow's `warehouse`) when there is one,
    unless it points at the embedded cluster, which is then started if it is down."""
    if configured_uri:
        configured_uri = configured_uri.replace("postgres://", "postgresql://", 1)
    if configured_uri is None or (not settings.external_dsn and is_embedded(configured_uri, settings)):
        return resolve_dsn(settings)
    return configured_uri


def is_embedded(dsn: str, settings: WarehouseSettings) -> bool:
    parts = urlsplit(dsn)
    return parts.hostname in (settings.host, "localhost", "127.0.0.1") and parts.port == settings.port


def dbt_env(dsn: str) -> dict[str, str]:
    """The environment dbt_project/profiles.yml reads, derived from the warehouse DSN."""
    info = conninfo_to_dict(dsn.replace("postgres://", "postgresql://", 1))
    return {
        "VNICT_PGHOST": str(info.get("host") or "127.0.0.1"),
        "VNICT_PGPORT": str(info.get("port") or 5432),
        "VNICT_PGUSER": str(info.get("user") or "postgres"),
        "VNICT_PGPASSWORD": str(info.get("password") or ""),
        "VNICT_PGDATABASE": str(info.get("dbname") or "postgres"),
    }


def check_reachable(dsn: str, origin: str) -> None:
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"cannot connect to {origin} at {_describe(dsn)}: {_first_line(exc)}") from exc


def _describe(dsn: str) -> str:
    """host:port/db of a DSN, without the password, for messages and logs."""
    try:
        parts = urlsplit(dsn)
        if parts.scheme.startswith("postgres"):
            return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
    except ValueError:
        pass
    return "<dsn>"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
