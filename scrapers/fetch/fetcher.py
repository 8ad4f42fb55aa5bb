"""The Fetcher: one per crawl, shared by every portal and thread. It composes the concerns of the
package's other modules around one request loop, used for pages and robots.txt alike."""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable, Collection, Mapping, TypeVar
from urllib.parse import urlsplit

import requests

from scrapers.charset import decode_bytes
from scrapers.fetch.errors import (
    DisallowedByRobots, FetchError, HttpStatusError, InvalidUrl, NetworkError, TlsError,
)
from scrapers.fetch.politeness import HostPolicy, Hosts
from scrapers.fetch.redirects import check_redirect, method_after, redirect_target, strip_fragment
from scrapers.fetch.results import FetchResult, StoredValidators
from scrapers.fetch.retries import retry_after_seconds, retrying
from scrapers.fetch.robots import RobotsCache, RobotsEntry, allows, read_rules
from scrapers.fetch.session import SessionPool
from scrapers.fetch.size import ERROR_BODY_BYTES, ROBOTS_MAX_BYTES, read_capped

log = logging.getLogger(__name__)

USER_AGENT = "vnict-crawler/0.1 (Vietnam provincial ICT indicators warehouse; polite research crawler)"
ROBOTS_AGENT = "vnict-crawler"

T = TypeVar("T")
# what to make of a final (non-redirect) response: (response, its URL, its host's policy, request start)
Handler = Callable[[requests.Response, str, HostPolicy, float], T]


class Fetcher:
    """Thread-safe polite fetcher: robots.txt, per-host rate limit and concurrency, retries,
    conditional GET, size cap, one redirect policy, charset detection. Every failure comes back as a
    FetchResult with a typed ``error_kind`` and a readable ``error``; nothing raises out of ``fetch``
    for network or HTTP trouble."""

    def __init__(
        self,
        *,
        user_agent: str = USER_AGENT,
        robots_agent: str = ROBOTS_AGENT,
        default_policy: HostPolicy | None = None,
        policy_override: Mapping[str, Any] | None = None,
        allow_private: bool = False,
        max_attempts: int = 5,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        backoff_jitter: float = 1.0,
        respect_robots: bool = True,
        robots_failure_ttl: float = 60.0,
        robots_ttl: float = 24 * 3600.0,
        crawl_delay_scale: float = 1.0,
    ):
        """``crawl_delay_scale`` < 1 shrinks robots.txt Crawl-delay: only for tests against the
        local mirror, whose Crawl-delay imitates a live site's; never for live portals."""
        self.robots_agent = robots_agent
        self.allow_private = allow_private
        self.respect_robots = respect_robots
        self.crawl_delay_scale = crawl_delay_scale
        self._hosts = Hosts(default_policy or HostPolicy(), policy_override)
        self._sessions = SessionPool(user_agent)
        self._robots = RobotsCache(self._load_robots, ttl=robots_ttl, failure_ttl=robots_failure_ttl)
        self._retry = dict(max_attempts=max(1, max_attempts), initial=backoff_initial, maximum=backoff_max,
                           jitter=backoff_jitter)

    def register(self, base_url: str, policy: HostPolicy) -> None:
        """Set the policy for the host of ``base_url`` (see politeness.Hosts.register)."""
        self._hosts.register(base_url, policy)

    def host_stats(self) -> dict[str, dict[str, float]]:
        return self._hosts.stats()

    def close(self) -> None:
        self._sessions.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the request loop
    def _exchange(self, url: str, handle: Handler[T], *, method: str = "GET", data: bytes | str | None = None,
                  headers: Mapping[str, str] | None = None, validators: StoredValidators | None = None,
                  allowed_hosts: Collection[str] | None = None, obey_robots: bool = True) -> tuple[T, list[str]]:
        """One attempt: request `url`, following redirects under the one redirect policy (robots.txt
        asked at every hop when `obey_robots`), and hand the final response to `handle`. Returns what
        `handle` made of it and the chain of URLs visited."""
        current = strip_fragment(url)
        chain: list[str] = [current]
        method = method.upper()
        while True:
            if obey_robots and not self.allowed(current):
                raise DisallowedByRobots(f"robots.txt disallows {current}", url=current)
            host = self._hosts[current]
            policy = host.policy
            req_headers = dict(headers or {})
            if validators is not None and method == "GET":
                if validators.etag:
                    req_headers["If-None-Match"] = validators.etag
                if validators.last_modified:
                    req_headers["If-Modified-Since"] = validators.last_modified
            with host.semaphore, self._sessions.borrow() as session:
                time.sleep(host.reserve_slot())
                t0 = time.monotonic()
                try:
                    resp = session.request(
                        method, current, data=data, headers=req_headers, stream=True,
                        allow_redirects=False, timeout=(policy.connect_timeout, policy.read_timeout),
                        verify=policy.verify)
                except requests.exceptions.SSLError as exc:
                    raise TlsError(f"TLS verification failed for {current}: {exc}", url=current) from exc
                except (requests.exceptions.Timeout, requests.exceptions.ConnectionError,
                        requests.exceptions.ChunkedEncodingError) as exc:
                    raise NetworkError(f"{type(exc).__name__} for {current}: {exc}", url=current) from exc
                except requests.exceptions.RequestException as exc:
                    raise FetchError(f"{type(exc).__name__} for {current}: {exc}", url=current) from exc
                with resp:
                    target = redirect_target(resp.status_code, resp.headers.get("Location"), current)
                    if target is None:
                        return handle(resp, current, policy, t0), chain
                    check_redirect(current, target, chain, allowed_hosts, self.allow_private)
                    chain.append(target)
                    if resp.status_code == 303 or method_after(resp.status_code, method) != method:
                        method, data = "GET", None
                    current = target

    # -- robots.txt
    def allowed(self, url: str) -> bool:
        """Whether robots.txt allows the URL (raises RobotsUnavailable when it cannot be read)."""
        if not self.respect_robots:
            return True
        return allows(self._robots.get(url), url, self.robots_agent)

    def _load_robots(self, origin: str) -> RobotsEntry:
        robots_url = origin + "/robots.txt"

        def read(resp: requests.Response, current: str, policy: HostPolicy, t0: float) -> bytes | None:
            if resp.status_code >= 500 or resp.status_code == 429:
                raise HttpStatusError(f"HTTP {resp.status_code} for {current}", url=current,
                                      status_code=resp.status_code)
            if resp.status_code >= 400:
                return None
            return read_capped(resp, ROBOTS_MAX_BYTES, policy, current, truncate=True)

        try:
            body, _ = retrying(**self._retry)(lambda: self._exchange(robots_url, read, obey_robots=False))
        except FetchError as exc:
            log.warning("robots.txt of %s unavailable (%s): treating the host as disallowed for now",
                        origin, exc)
            return RobotsEntry(parser=None, fetched=time.monotonic(), error=str(exc), error_kind=exc.kind)
        if body is None:
            return RobotsEntry(parser=None, fetched=time.monotonic())
        text, _ = decode_bytes(body, "text/plain; charset=utf-8")
        parser, floor = read_rules(text, self.robots_agent)
        floor *= self.crawl_delay_scale
        if floor:
            self._hosts[robots_url].slow_down_to(floor)
            log.info("robots.txt of %s asks for %.1fs between requests", origin, floor)
        return RobotsEntry(parser=parser, fetched=time.monotonic())

    # -- pages
    def fetch(
        self,
        url: str,
        *,
        validators: StoredValidators | None = None,
        method: str = "GET",
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        allowed_hosts: Collection[str] | None = None,
    ) -> FetchResult:
        """Fetch one URL politely. Never raises for network/HTTP trouble: see ``error_kind``."""
        started = time.monotonic()
        fetched_at = datetime.now(timezone.utc)
        attempts = 0

        def one_attempt() -> FetchResult:
            nonlocal attempts
            attempts += 1
            return self._fetch_once(url, validators, method, data, headers, allowed_hosts)

        try:
            result = retrying(**self._retry)(one_attempt)
        except FetchError as exc:
            elapsed = int((time.monotonic() - started) * 1000)
            quiet = exc.kind == "disallowed" or (exc.kind == "http" and (exc.status_code or 500) < 500)
            (log.info if quiet else log.warning)("fetch failed after %d attempt(s): %s [%s]", attempts, exc, exc.kind)
            return FetchResult(
                url=url, final_url=exc.url or url, status_code=exc.status_code, headers={}, body=b"",
                encoding=None, text=None, content_sha256=None, fetched_at=fetched_at, elapsed_ms=elapsed,
                error=str(exc), error_kind=exc.kind, attempts=attempts)
        result.fetched_at = fetched_at
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        result.attempts = attempts
        return result

    def _fetch_once(self, url, validators, method, data, headers, allowed_hosts) -> FetchResult:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidUrl(f"not an http(s) URL: {url!r}", url=url)

        def read(resp: requests.Response, current: str, policy: HostPolicy, t0: float):
            status = resp.status_code
            if status == 304:
                return current, status, dict(resp.headers), None
            if status >= 400:
                try:
                    read_capped(resp, ERROR_BODY_BYTES, policy, current, truncate=True, t0=t0)
                except FetchError:
                    pass
                raise HttpStatusError(f"HTTP {status} for {current}", url=current, status_code=status,
                                      retry_after=retry_after_seconds(resp.headers.get("Retry-After")))
            return current, status, dict(resp.headers), read_capped(resp, policy.max_bytes, policy, current, t0=t0)

        (final_url, status, resp_headers, body), chain = self._exchange(
            url, read, method=method, data=data, headers=headers, validators=validators,
            allowed_hosts=allowed_hosts)
        if body is None:
            return FetchResult(
                url=url, final_url=final_url, status_code=304, headers=resp_headers, body=b"",
                encoding=None, text=None, content_sha256=None, fetched_at=datetime.now(timezone.utc),
                elapsed_ms=0, not_modified=True, redirects=tuple(chain[1:]))
        text, encoding = decode_bytes(body, resp_headers.get("Content-Type"))
        return FetchResult(
            url=url, final_url=final_url, status_code=status, headers=resp_headers, body=body,
            encoding=encoding, text=text, content_sha256=hashlib.sha256(body).hexdigest(),
            fetched_at=datetime.now(timezone.utc), elapsed_ms=0, redirects=tuple(chain[1:]))
