"""Retries with exponential backoff and jitter (tenacity), for errors marked retryable; a server's
Retry-After stretches the wait up to the backoff's maximum."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from scrapers.fetch.errors import FetchError

log = logging.getLogger(__name__)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def retrying(max_attempts: int, initial: float, maximum: float, jitter: float) -> Retrying:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info("retrying after attempt %d: %s", state.attempt_number, exc)

    def wait(state: RetryCallState) -> float:
        base = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=jitter)(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            return min(max(base, retry_after), maximum)
        return base

    return Retrying(
        retry=retry_if_exception(lambda e: isinstance(e, FetchError) and e.retryable),
        stop=stop_after_attempt(max_attempts),
        wait=wait,
        before_sleep=before_sleep,
        reraise=True,
    )
