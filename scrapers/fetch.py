"""Polite HTTP for old, slow provincial portals.

One Fetcher serves every portal of a crawl. Each host (host:port) gets its own rate limit and
concurrency cap, so different portals proceed in parallel while none of them is hit harder than
the registry (or its robots.txt Crawl-delay) allows. Every failure comes back as a FetchResult with
a typed ``error_kind`` and a readable ``error``; nothing raises out of ``fetch`` for network or
HTTP trouble.
"""
from __future__ import annotations

import hashlib
import ipaddress
import queue
import logging
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Collection, Iterator, Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from protego import Protego
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from scrapers.charset import decode_bytes

log = logging.getLogger(__name__)

USER_AGENT = "vnict-crawler/0.1 (Vietnam provincial ICT indicators warehouse; polite research crawler)"
ROBOTS_AGENT = "vnict-crawler"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ROBOTS_MAX_BYTES = 500 * 1024
MAX_REDIRECTS = 5
_REDIRECT_CODES = {301, 302, 303, 307, 308}
_ERROR_BODY_BYTES = 64 * 1024


# ----------------------------------------------------------------------------- errors
class FetchError(Exception):
    """A fetch that did not produce a usable response. ``kind`` is stable, for logs and tables."""

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


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class HostPolicy:
    """How one host is treated: speed, parallelism, timeouts, TLS verification."""

    requests_per_second: float = 1.0
    concurrency: int = 1
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_bytes: int = DEFAULT_MAX_BYTES
    verify: bool | str = True
    verify_reason: str | None = None

    @property
    def interval(self) -> float:
        return 1.0 / self.requests_per_second if self.requests_per_second > 0 else 0.0


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

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise FetchError(f"{self.error_kind}: {self.error}", url=self.url, status_code=self.status_code)


@dataclass
class _Host:
    policy: HostPolicy
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_slot: float = 0.0
    crawl_delay: float = 0.0
    semaphore: threading.BoundedSemaphore | None = None
    requests: int = 0
    first_request: float | None = None
    last_request: float | None = None

    def __post_init__(self) -> None:
        self.semaphore = threading.BoundedSemaphore(max(1, self.policy.concurrency))

    @property
    def interval(self) -> float:
        return max(self.policy.interval, self.crawl_delay)

    def reserve_slot(self) -> float:
        """Reserve the next start time for a request to this host; return how long to wait."""
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
            self.requests += 1
            if self.first_request is None:
                self.first_request = slot
            self.last_request = slot
        return slot - now


@dataclass
class _Robots:
    parser: Protego | None  # None: no robots.txt (4xx): everything allowed
    fetched: float
    error: str | None = None  # set when robots.txt was unreachable
    error_kind: str | None = None


# ----------------------------------------------------------------------------- helpers
def host_key(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _is_private_address(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved
            or addr.is_multicast or addr.is_unspecified)


def resolves_to_private(host: str) -> bool:
    """True when the host is, or resolves to, a loopback/private/link-local/reserved address."""
    host = host.strip("[]")
    try:
        return _is_private_address(host)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve host {host!r}: {exc}") from exc
    return any(_is_private_address(info[4][0]) for info in infos)


def _retry_after_seconds(value: str | None) -> float | None:
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


def _same_site(host: str, allowed: Collection[str]) -> bool:
    """Hosts match when equal ignoring a leading 'www.' (portals redirect between the two)."""
    def bare(h: str) -> str:
        h = h.lower()
        return h[4:] if h.startswith("www.") else h
    return bare(host) in {bare(a) for a in allowed}


# ----------------------------------------------------------------------------- fetcher
class Fetcher:
    """Thread-safe polite fetcher: robots.txt, per-host rate limit and concurrency, retries,
    conditional GET, size cap, manual redirects, charset detection."""

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
        self.user_agent = user_agent
        self.robots_agent = robots_agent
        self.policy_override = dict(policy_override or {})
        self.default_policy = self._apply_override(default_policy or HostPolicy())
        self.allow_private = allow_private
        self.max_attempts = max(1, max_attempts)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.backoff_jitter = backoff_jitter
        self.respect_robots = respect_robots
        self.robots_failure_ttl = robots_failure_ttl
        self.robots_ttl = robots_ttl
        self.crawl_delay_scale = crawl_delay_scale
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._idle: queue.SimpleQueue[requests.Session] = queue.SimpleQueue()
        self._closed = False

    # -- configuration
    def _apply_override(self, policy: HostPolicy) -> HostPolicy:
        return replace(policy, **self.policy_override) if self.policy_override else policy

    def register(self, base_url: str, policy: HostPolicy) -> None:
        """Set the policy for the host of ``base_url``. A host already registered keeps the
        stricter of the two speeds and concurrencies (two portals on one server share it)."""
        policy = self._apply_override(policy)
        if policy.verify is False:
            log.warning("TLS verification disabled for %s by registry exception: %s",
                        host_key(base_url), policy.verify_reason or "(no reason given)")
        key = host_key(base_url)
        with self._hosts_lock:
            existing = self._hosts.get(key)
            if existing is None:
                self._hosts[key] = _Host(policy)
                return
            merged = replace(
                policy,
                requests_per_second=min(existing.policy.requests_per_second, policy.requests_per_second),
                concurrency=min(existing.policy.concurrency, policy.concurrency),
            )
            if merged != existing.policy:
                existing.policy = merged
                existing.semaphore = threading.BoundedSemaphore(max(1, merged.concurrency))

    def _host(self, url: str) -> _Host:
        key = host_key(url)
        with self._hosts_lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(self.default_policy)
            return host

    def policy_for(self, url: str) -> HostPolicy:
        return self._host(url).policy

    def host_stats(self) -> dict[str, dict[str, float]]:
        """Requests made and the enforced interval per host (for the politeness bound)."""
        with self._hosts_lock:
            items = list(self._hosts.items())
        return {
            key: {"requests": h.requests, "interval": h.interval, "crawl_delay": h.crawl_delay,
                  "requests_per_second": h.policy.requests_per_second}
            for key, h in items
        }

    # -- sessions
    @contextmanager
    def _borrow(self) -> Iterator[requests.Session]:
        """A session for one request: pooled, so worker threads that come and go reuse connections."""
        try:
            session = self._idle.get_nowait()
        except queue.Empty:
            session = requests.Session()
            session.headers["User-Agent"] = self.user_agent
            session.headers["Accept-Encoding"] = "gzip, deflate"
            session.max_redirects = MAX_REDIRECTS
            adapter = HTTPAdapter(pool_connections=16, pool_maxsize=16, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        try:
            yield session
        finally:
            if self._closed:
                session.close()
            else:
                self._idle.put(session)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        self._closed = False

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- robots.txt
    def _robots_for(self, url: str) -> _Robots:
        origin = _origin(url)
        with self._hosts_lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            cached = self._robots.get(origin)
            now = time.monotonic()
            if cached is not None:
                ttl = self.robots_failure_ttl if cached.error else self.robots_ttl
                if now - cached.fetched < ttl:
                    return cached
            entry = self._load_robots(origin)
            self._robots[origin] = entry
            return entry

    def _load_robots(self, origin: str) -> _Robots:
        robots_url = origin + "/robots.txt"
        host = self._host(robots_url)
        policy = host.policy

        def attempt() -> _Robots:
            current, chain = robots_url, [robots_url]
            while True:
                target_host = self._host(current)
                with target_host.semaphore, self._borrow() as session:
                    time.sleep(target_host.reserve_slot())
                    try:
                        resp = session.get(
                            current, timeout=(policy.connect_timeout, policy.read_timeout),
                            verify=policy.verify, stream=True, allow_redirects=False)
                    except requests.exceptions.SSLError as exc:
                        raise TlsError(f"TLS error reading {current}: {exc}", url=current) from exc
                    except requests.exceptions.RequestException as exc:
                        raise NetworkError(f"{type(exc).__name__} reading {current}: {exc}", url=current) from exc
                    with resp:
                        if resp.status_code in _REDIRECT_CODES and resp.headers.get("Location"):
                            target = _strip_fragment(urljoin(current, resp.headers["Location"].strip()))
                            self._check_redirect(current, target, chain, None)
                            chain.append(target)
                            current = target
                            continue
                        if resp.status_code >= 500 or resp.status_code == 429:
                            raise HttpStatusError(f"HTTP {resp.status_code} for {current}", url=current,
                                                  status_code=resp.status_code)
                        if resp.status_code >= 400:
                            return _Robots(parser=None, fetched=time.monotonic())
                        body = self._read_capped(resp, ROBOTS_MAX_BYTES, policy, current, truncate=True)
                break
            text, _ = decode_bytes(body, "text/plain; charset=utf-8")
            parser = Protego.parse(text or "")
            delay = parser.crawl_delay(self.robots_agent)
            rate = parser.request_rate(self.robots_agent)
            floor = float(delay or 0.0)
            if rate is not None and rate.requests:
                floor = max(floor, rate.seconds / rate.requests)
            floor *= self.crawl_delay_scale
            if floor:
                with host.lock:
                    host.crawl_delay = floor
                log.info("robots.txt of %s asks for %.1fs between requests", origin, floor)
            return _Robots(parser=parser, fetched=time.monotonic())

        try:
            return self._retrying(lambda exc: None)(attempt)
        except FetchError as exc:
            log.warning("robots.txt of %s unavailable (%s): treating the host as disallowed for now",
                        origin, exc)
            return _Robots(parser=None, fetched=time.monotonic(), error=str(exc), error_kind=exc.kind)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt allows the URL (raises RobotsUnavailable when it cannot be read)."""
        if not self.respect_robots:
            return True
        robots = self._robots_for(url)
        if robots.error_kind == "tls":
            raise TlsError(f"TLS verification failed for {_origin(url)} (reading robots.txt): {robots.error}", url=url)
        if robots.error:
            raise RobotsUnavailable(f"robots.txt of {_origin(url)} unavailable: {robots.error}", url=url)
        return robots.parser is None or robots.parser.can_fetch(url, self.robots_agent)

    # -- retries
    def _retrying(self, on_retry) -> Retrying:
        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            on_retry(exc)
            log.info("retrying after attempt %d: %s", state.attempt_number, exc)

        def wait(state: RetryCallState) -> float:
            base = wait_exponential_jitter(multiplier=self.backoff_initial, max=self.backoff_max,
                                           jitter=self.backoff_jitter)(state)
            exc = state.outcome.exception() if state.outcome else None
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                return min(max(base, retry_after), self.backoff_max)
            return base

        return Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, FetchError) and e.retryable),
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )

    # -- fetching
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
            result = self._retrying(lambda exc: None)(one_attempt)
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

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidUrl(f"not an http(s) URL: {url!r}", url=url)

    def _fetch_once(self, url, validators, method, data, headers, allowed_hosts) -> FetchResult:
        self._check_url(url)
        current = _strip_fragment(url)
        chain: list[str] = [current]
        cur_method, cur_data = method.upper(), data
        while True:
            if not self.allowed(current):
                raise DisallowedByRobots(f"robots.txt disallows {current}", url=current)
            host = self._host(current)
            policy = host.policy
            req_headers = dict(headers or {})
            if validators is not None and cur_method == "GET":
                if validators.etag:
                    req_headers["If-None-Match"] = validators.etag
                if validators.last_modified:
                    req_headers["If-Modified-Since"] = validators.last_modified
            with host.semaphore, self._borrow() as session:
                time.sleep(host.reserve_slot())
                t0 = time.monotonic()
                try:
                    resp = session.request(
                        cur_method, current, data=cur_data, headers=req_headers, stream=True,
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
                    status = resp.status_code
                    if status in _REDIRECT_CODES and resp.headers.get("Location"):
                        target = _strip_fragment(urljoin(current, resp.headers["Location"].strip()))
                        self._check_redirect(current, target, chain, allowed_hosts)
                        chain.append(target)
                        if status == 303 or (status in (301, 302) and cur_method == "POST"):
                            cur_method, cur_data = "GET", None
                        current = target
                        continue
                    resp_headers = dict(resp.headers)
                    if status == 304:
                        return FetchResult(
                            url=url, final_url=current, status_code=304, headers=resp_headers, body=b"",
                            encoding=None, text=None, content_sha256=None, fetched_at=datetime.now(timezone.utc),
                            elapsed_ms=0, not_modified=True, redirects=tuple(chain[1:]))
                    if status >= 400:
                        try:
                            self._read_capped(resp, _ERROR_BODY_BYTES, policy, current, truncate=True, t0=t0)
                        except FetchError:
                            pass
                        raise HttpStatusError(f"HTTP {status} for {current}", url=current, status_code=status,
                                              retry_after=_retry_after_seconds(resp.headers.get("Retry-After")))
                    body = self._read_capped(resp, policy.max_bytes, policy, current, t0=t0)
            text, encoding = decode_bytes(body, resp_headers.get("Content-Type"))
            return FetchResult(
                url=url, final_url=current, status_code=status, headers=resp_headers, body=body,
                encoding=encoding, text=text, content_sha256=hashlib.sha256(body).hexdigest(),
                fetched_at=datetime.now(timezone.utc), elapsed_ms=0, redirects=tuple(chain[1:]))

    def _check_redirect(self, current: str, target: str, chain: list[str],
                        allowed_hosts: Collection[str] | None) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeRedirect(f"redirect from {current} to non-http(s) URL {target!r} refused", url=current)
        if target in chain:
            loop = " -> ".join(chain[chain.index(target):] + [target])
            raise RedirectLoop(f"redirect loop: {loop}", url=chain[0])
        if len(chain) > MAX_REDIRECTS:
            raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects starting at {chain[0]}: "
                                   + " -> ".join(chain + [target]), url=chain[0])
        if allowed_hosts is not None and not _same_site(parts.netloc, allowed_hosts):
            raise OffsiteRedirect(f"redirect from {current} leaves the portal for {target}", url=current)
        if not self.allow_private and resolves_to_private(parts.hostname):
            raise UnsafeRedirect(f"redirect from {current} to private/loopback address {target} refused",
                                 url=current)

    @staticmethod
    def _read_capped(resp: requests.Response, cap: int, policy: HostPolicy, url: str, *,
                     truncate: bool = False, t0: float | None = None) -> bytes:
        """Read the body while streaming, refusing it as soon as it passes ``cap`` bytes (or, with
        ``truncate``, keeping the first ``cap`` bytes) and enforcing the total time limit."""
        declared = resp.headers.get("Content-Length")
        if not truncate and declared and declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"{url} declares {int(declared)} bytes, over the {cap}-byte cap; not read",
                           url=url, status_code=resp.status_code)
        start = t0 if t0 is not None else time.monotonic()
        buf = bytearray()
        try:
            # read1 returns what one socket read brought, so the deadline holds during a body that
            # drips in a few bytes at a time (64 KB reads waited for 64 KB before any check)
            while chunk := resp.raw.read1(65536, decode_content=True):
                buf += chunk
                if len(buf) > cap:
                    if truncate:
                        return bytes(buf[:cap])
                    raise TooLarge(f"{url} body passed the {cap}-byte cap while streaming; refused",
                                   url=url, status_code=resp.status_code)
                if time.monotonic() - start > policy.total_timeout:
                    raise NetworkError(f"{url} took longer than {policy.total_timeout:.0f}s to download",
                                       url=url)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError,
                requests.exceptions.ContentDecodingError, requests.exceptions.Timeout,
                urllib3.exceptions.HTTPError, OSError) as exc:
            raise NetworkError(f"{type(exc).__name__} while reading {url}: {exc}", url=url) from exc
        return bytes(buf)
