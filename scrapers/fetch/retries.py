"""Retries with exponential backoff and jitter (tenacity), for errors marked retryable; a server's
Retry-After stretches the wait up to the backoff's maximum."""
from __future__ import annotations

import logging
import time
from email.utils import mktime_tz, parsedate_tz

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
        parsed = parsedate_tz(value)
    if parsed is None:
        return None
    when = mktime_tz(parsed[:9] + (parsed[9] or 0,))  # a date without a zone is UTC
    return max(0.0, when - time.time())


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
