"""Where the warehouse is: WAREHOUSE_DSN when set, otherwise the embedded Postgres (started on demand)."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import psycopg

from vnict.settings import Settings, load_settings
from warehouse.embedded import EmbeddedPostgres, WarehouseError

log = logging.getLogger(__name__)


def resolve_dsn(settings: Settings | None = None, *, start: bool = True) -> str:
    """The warehouse's libpq URI, checked to answer.

    With WAREHOUSE_DSN unset the embedded cluster is started when `start` is true.
    """
    settings = settings or load_settings()
    if settings.warehouse_dsn:
        check_reachable(settings.warehouse_dsn, origin="WAREHOUSE_DSN")
        return settings.warehouse_dsn
    embedded = EmbeddedPostgres(settings)
    if start:
        return embedded.ensure_running()
    dsn = embedded.dsn()
    check_reachable(dsn, origin="the embedded warehouse (start it with `vnict db start`)")
    return dsn


def check_reachable(dsn: str, origin: str) -> None:
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"cannot connect to {origin} at {describe(dsn)}: {first_line(exc)}") from exc


def connect(dsn: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(dsn or resolve_dsn(), **kwargs)


def describe(dsn: str) -> str:
    """host:port/db of a DSN, without the password, for messages and logs."""
    try:
        parts = urlsplit(dsn)
        if parts.scheme.startswith("postgres"):
            return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
    except ValueError:
        pass
    return "<dsn>"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
