"""robots.txt: read once per origin and cached (a failure for a shorter time), its rules and its
Crawl-delay/Request-rate applied. Unreadable (5xx, network) means disallow, as RFC 9309 says; absent
(4xx) means everything is allowed."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from protego import Protego

from scrapers.fetch.errors import RobotsUnavailable, TlsError
from scrapers.fetch.redirects import origin


@dataclass
class RobotsEntry:
    parser: Protego | None  # None: no robots.txt (4xx): everything allowed
    fetched: float
    error: str | None = None  # set when robots.txt was unreachable
    error_kind: str | None = None


def read_rules(text: str, agent: str) -> tuple[Protego, float]:
    """The parsed rules and the seconds they ask between two requests (0 when they ask nothing)."""
    parser = Protego.parse(text or "")
    delay = parser.crawl_delay(agent)
    rate = parser.request_rate(agent)
    floor = float(delay or 0.0)
    if rate is not None and rate.requests:
        floor = max(floor, rate.seconds / rate.requests)
    return parser, floor


class RobotsCache:
    """Entries per origin, loaded by `load(origin)` at most once at a time per origin."""

    def __init__(self, load: Callable[[str], RobotsEntry], ttl: float, failure_ttl: float):
        self._load = load
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self._entries: dict[str, RobotsEntry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> RobotsEntry:
        key = origin(url)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._entries.get(key)
            if cached is not None:
                ttl = self.failure_ttl if cached.error else self.ttl
                if time.monotonic() - cached.fetched < ttl:
                    return cached
            entry = self._entries[key] = self._load(key)
            return entry


def allows(entry: RobotsEntry, url: str, agent: str) -> bool:
    """Whether the entry allows the URL; an unreadable robots.txt raises (TlsError or RobotsUnavailable)."""
    if entry.error_kind == "tls":
        raise TlsError(f"TLS verification failed for {origin(url)} (reading robots.txt): {entry.error}", url=url)
    if entry.error:
        raise RobotsUnavailable(f"robots.txt of {origin(url)} unavailable: {entry.error}", url=url)
    return entry.parser is None or entry.parser.can_fetch(url, agent)
