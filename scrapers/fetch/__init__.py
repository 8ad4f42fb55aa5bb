"""Polite HTTP for old, slow provincial portals, one module per concern (as Scrapy's middlewares):

- errors: the typed failures (``kind`` for logs and tables, ``retryable`` for retries)
- politeness: per-host rate limit, concurrency cap, timeouts, TLS verification
- robots: robots.txt rules and Crawl-delay, cached per origin
- retries: exponential backoff with jitter, Retry-After honoured
- session: pooled HTTP sessions
- redirects: the one redirect policy (every request, robots.txt included)
- size: the body size cap and the download deadline
- fetcher: the Fetcher, composing them around one request loop

Decoding lives in scrapers.charset.
"""
from scrapers.fetch.errors import (
    DisallowedByRobots, FetchError, HttpStatusError, InvalidUrl, NetworkError, OffsiteRedirect,
    RedirectError, RedirectLoop, RobotsUnavailable, TlsError, TooLarge, TooManyRedirects, UnsafeRedirect,
)
from scrapers.fetch.fetcher import ROBOTS_AGENT, USER_AGENT, Fetcher
from scrapers.fetch.politeness import DEFAULT_MAX_BYTES, HostPolicy
from scrapers.fetch.redirects import MAX_REDIRECTS
from scrapers.fetch.results import FetchResult, StoredValidators

__all__ = [
    "DEFAULT_MAX_BYTES", "MAX_REDIRECTS", "ROBOTS_AGENT", "USER_AGENT",
    "Fetcher", "FetchResult", "HostPolicy", "StoredValidators",
    "FetchError", "DisallowedByRobots", "HttpStatusError", "InvalidUrl", "NetworkError", "OffsiteRedirect",
    "RedirectError", "RedirectLoop", "RobotsUnavailable", "TlsError", "TooLarge", "TooManyRedirects",
    "UnsafeRedirect",
]
