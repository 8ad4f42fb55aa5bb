"""Where the crawler puts what it fetched: the PageStore protocol (warehouse.pages implements it on
Postgres) and an in-memory store for tests and benchmarks."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from scrapers.fetch import FetchResult, StoredValidators

OUTCOMES = ("stored", "not_modified", "skipped", "error", "disallowed")


class PageStore(Protocol):
    def validators(self, url: str) -> StoredValidators | None:
        """etag, last_modified and page_id of the latest stored response for url."""

    def save_page(self, portal_id: str, page_kind: str, result: FetchResult) -> int:
        """page_id; idempotent on (url, content_sha256)."""

    def log_fetch(self, run_id: str | None, portal_id: str, url: str, outcome: str, status_code: int | None,
                  error: str | None, page_id: int | None, elapsed_ms: int | None) -> None:
        """One row per request made; outcome is one of OUTCOMES."""


@dataclass(frozen=True)
class MemoryPage:
    page_id: int
    portal_id: str
    page_kind: str
    result: FetchResult


class MemoryPageStore:
    """PageStore in memory with the same idempotence as raw.pages (unique url + content_sha256)."""

    def __init__(self) -> None:
        self.pages: dict[int, MemoryPage] = {}
        self.fetch_log: list[dict] = []
        self._by_key: dict[tuple[str, str], int] = {}
        self._latest: dict[str, int] = {}
        self._lock = threading.Lock()

    def validators(self, url: str) -> StoredValidators | None:
        with self._lock:
            page_id = self._latest.get(url)
            if page_id is None:
                return None
            headers = {k.lower(): v for k, v in self.pages[page_id].result.headers.items()}
        return StoredValidators(etag=headers.get("etag"), last_modified=headers.get("last-modified"),
                                page_id=page_id)

    def save_page(self, portal_id: str, page_kind: str, result: FetchResult) -> int:
        if result.content_sha256 is None:
            raise ValueError(f"nothing to store for {result.url}: no body (status {result.status_code})")
        with self._lock:
            key = (result.url, result.content_sha256)
            page_id = self._by_key.get(key)
            if page_id is None:
                page_id = len(self.pages) + 1
                self.pages[page_id] = MemoryPage(page_id, portal_id, page_kind, result)
                self._by_key[key] = page_id
            if result.status_code == 200:
                self._latest[result.url] = page_id
        return page_id

    def log_fetch(self, run_id, portal_id, url, outcome, status_code, error, page_id, elapsed_ms) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown fetch outcome {outcome!r}; expected one of {OUTCOMES}")
        with self._lock:
            self.fetch_log.append({"run_id": run_id, "portal_id": portal_id, "url": url, "outcome": outcome,
                                   "status_code": status_code, "error": error, "page_id": page_id,
                                   "elapsed_ms": elapsed_ms})
