"""raw.pages and raw.fetch_log on Postgres: the crawler's page store."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from scrapers.fetch import StoredValidators


@dataclass(frozen=True)
class StoredPage:
    page_id: int
    portal_id: str
    url: str
    final_url: str
    status_code: int
    headers: dict
    body: bytes
    encoding: str | None


class PostgresPageStore:
    """Implements the crawler's PageStore protocol (scrapers.crawl) on raw.pages / raw.fetch_log.

    One connection guarded by a lock: the crawler may call it from several threads.
    """

    def __init__(self, dsn: str):
        self._conn = psycopg.connect(dsn, autocommit=True)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def validators(self, url: str) -> StoredValidators | None:
        with self._lock:
            row = self._conn.execute(
                "select page_id, headers->>'etag', headers->>'last-modified' from raw.pages"
                " where url = %s and status_code = 200 order by fetched_at desc, page_id desc limit 1",
                (url,)).fetchone()
        if row is None:
            return None
        return StoredValidators(page_id=row[0], etag=row[1], last_modified=row[2])

    def save_page(self, portal_id: str, page_kind: str, result) -> int:
        headers = {str(k).lower(): str(v) for k, v in (result.headers or {}).items()}
        with self._lock:
            row = self._conn.execute(
                "insert into raw.pages (portal_id, url, final_url, page_kind, status_code, headers, body,"
                " content_sha256, encoding, fetched_at) values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " on conflict (url, content_sha256) do nothing returning page_id",
                (portal_id, result.url, result.final_url or result.url, page_kind, result.status_code,
                 Jsonb(headers), result.body, result.content_sha256, result.encoding,
                 result.fetched_at)).fetchone()
            if row is None:
                row = self._conn.execute(
                    "select page_id from raw.pages where url = %s and content_sha256 = %s",
                    (result.url, result.content_sha256)).fetchone()
        return row[0]

    def log_fetch(self, run_id, portal_id, url, outcome, status_code, error, page_id, elapsed_ms) -> None:
        with self._lock:
            self._conn.execute(
                "insert into raw.fetch_log (run_id, portal_id, url, status_code, outcome, error, page_id,"
                " elapsed_ms) values (%s,%s,%s,%s,%s,%s,%s,%s)",
                (run_id, portal_id, url, status_code, outcome, error, page_id, elapsed_ms))

    def load_pages(self, page_ids: list[int]) -> list[StoredPage]:
        with self._lock:
            rows = self._conn.execute(
                "select page_id, portal_id, url, final_url, status_code, headers, body, encoding"
                " from raw.pages where page_id = any(%s) order by page_id", (list(page_ids),)).fetchall()
        return [StoredPage(r[0], r[1], r[2], r[3], r[4], r[5], bytes(r[6]), r[7]) for r in rows]

    def article_page_ids(self, portal_id: str | None = None, since=None, until=None) -> list[int]:
        """Latest stored article page per URL, for reprocessing without fetching."""
        clauses, params = ["page_kind = 'article'", "status_code = 200"], []
        if portal_id:
            clauses.append("portal_id = %s")
            params.append(portal_id)
        if since:
            clauses.append("fetched_at >= %s")
            params.append(since)
        if until:
            clauses.append("fetched_at < %s")
            params.append(until)
        with self._lock:
            rows = self._conn.execute(
                "select distinct on (url) page_id from raw.pages where " + " and ".join(clauses)
                + " order by url, fetched_at desc, page_id desc", params).fetchall()
        return [r[0] for r in rows]
