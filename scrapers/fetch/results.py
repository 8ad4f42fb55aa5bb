"""What a fetch returns, and what it sends back for a conditional GET."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredValidators:
    """Validators of the latest stored response for a URL, sent back as a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None
    page_id: int | None = None


@dataclass
class FetchResult:
    url: str
    final_url: str
    status_code: int | None
    headers: dict[str, str]
    body: bytes
    encoding: str | None
    text: str | None
    content_sha256: str | None
    fetched_at: datetime
    elapsed_ms: int
    not_modified: bool = False
    error: str | None = None
    error_kind: str | None = None
    attempts: int = 1
    redirects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300
