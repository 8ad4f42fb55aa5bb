"""What can go wrong with a fetch, typed: ``kind`` is stable (logs, raw.fetch_log) and
``retryable`` tells the retry step whether another attempt may help."""
from __future__ import annotations


class FetchError(Exception):
    """A fetch that did not produce a usable response."""

    kind = "error"
    retryable = False

    def __init__(self, message: str, *, url: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.url = url
        self.status_code = status_code


class InvalidUrl(FetchError):
    kind = "invalid_url"


class DisallowedByRobots(FetchError):
    kind = "disallowed"


class RobotsUnavailable(FetchError):
    """robots.txt could not be read (5xx or network): RFC 9309 says assume complete disallow."""

    kind = "robots_unavailable"


class HttpStatusError(FetchError):
    kind = "http"

    def __init__(self, message: str, *, url: str | None = None, status_code: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, url=url, status_code=status_code)
        self.retryable = status_code is not None and (status_code >= 500 or status_code == 429)
        self.retry_after = retry_after


class NetworkError(FetchError):
    """Timeouts, resets, truncated bodies: worth another try."""

    kind = "network"
    retryable = True


class TlsError(FetchError):
    kind = "tls"


class TooLarge(FetchError):
    kind = "too_large"


class RedirectError(FetchError):
    kind = "redirect"


class RedirectLoop(RedirectError):
    kind = "redirect_loop"


class TooManyRedirects(RedirectError):
    kind = "too_many_redirects"


class UnsafeRedirect(RedirectError):
    """A redirect to a non-http(s) scheme or to a loopback/private address."""

    kind = "unsafe_redirect"


class OffsiteRedirect(RedirectError):
    kind = "offsite_redirect"
