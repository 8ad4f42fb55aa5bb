"""raw.crawl_gaps: crawl windows of a portal that lost pages, kept open until a crawl reads them whole."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg


@dataclass(frozen=True)
class Gap:
    portal_id: str
    start: datetime
    end: datetime
    reason: str
    attempts: int


def open_gaps(dsn: str, portal_id: str) -> list[Gap]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "select portal_id, window_start, window_end, reason, attempts from raw.crawl_gaps"
            " where portal_id = %s and closed_at is null order by window_start", (portal_id,)).fetchall()
    return [Gap(*row) for row in rows]


def record_gap(dsn: str, portal_id: str, start: datetime, end: datetime, reason: str,
               run_id: str | None = None) -> None:
    """Open (or keep open, counting the attempt) the gap of this window."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "insert into raw.crawl_gaps (portal_id, window_start, window_end, reason, first_run_id)"
            " values (%s, %s, %s, %s, %s)"
            " on conflict (portal_id, window_start, window_end) do update set"
            " reason = excluded.reason, attempts = raw.crawl_gaps.attempts + 1,"
            " last_attempt_at = now(), closed_at = null",
            (portal_id, start, end, reason, run_id))


def close_gap(dsn: str, portal_id: str, start: datetime, end: datetime) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "update raw.crawl_gaps set closed_at = now(), last_attempt_at = now()"
            " where portal_id = %s and window_start = %s and window_end = %s and closed_at is null",
            (portal_id, start, end))
