"""Politeness per host (host:port): a rate limit, a concurrency cap, timeouts and TLS verification.

Different portals proceed in parallel while none of them is hit harder than the registry (or its
robots.txt Crawl-delay) allows; two portals on one server share the stricter limits.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Mapping
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


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


def host_key(url: str) -> str:
    return urlsplit(url).netloc.lower()


@dataclass
class Host:
    """One host's state: its policy, the next free request slot, the Crawl-delay robots.txt asks."""

    policy: HostPolicy
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_slot: float = 0.0
    crawl_delay: float = 0.0
    semaphore: threading.BoundedSemaphore | None = None
    requests: int = 0

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
        return slot - now

    def slow_down_to(self, seconds: float) -> None:
        with self.lock:
            self.crawl_delay = seconds


class Hosts:
    """The hosts a fetcher has seen, each with its policy (the default one for unregistered hosts)."""

    def __init__(self, default_policy: HostPolicy, override: Mapping[str, Any] | None = None):
        self.override = dict(override or {})
        self.default_policy = self._apply_override(default_policy)
        self._hosts: dict[str, Host] = {}
        self.lock = threading.Lock()

    def _apply_override(self, policy: HostPolicy) -> HostPolicy:
        return replace(policy, **self.override) if self.override else policy

    def register(self, base_url: str, policy: HostPolicy) -> None:
        """Set the policy for the host of ``base_url``. A host already registered keeps the
        stricter of the two speeds and concurrencies (two portals on one server share it)."""
        policy = self._apply_override(policy)
        if policy.verify is False:
            log.warning("TLS verification disabled for %s by registry exception: %s",
                        host_key(base_url), policy.verify_reason or "(no reason given)")
        key = host_key(base_url)
        with self.lock:
            existing = self._hosts.get(key)
            if existing is None:
                self._hosts[key] = Host(policy)
                return
            merged = replace(
                policy,
                requests_per_second=min(existing.policy.requests_per_second, policy.requests_per_second),
                concurrency=min(existing.policy.concurrency, policy.concurrency),
            )
            if merged != existing.policy:
                existing.policy = merged
                existing.semaphore = threading.BoundedSemaphore(max(1, merged.concurrency))

    def __getitem__(self, url: str) -> Host:
        key = host_key(url)
        with self.lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = Host(self.default_policy)
            return host

    def stats(self) -> dict[str, dict[str, float]]:
        """Requests made and the enforced interval per host (for the politeness bound)."""
        with self.lock:
            items = list(self._hosts.items())
        return {
            key: {"requests": h.requests, "interval": h.interval, "crawl_delay": h.crawl_delay,
                  "requests_per_second": h.policy.requests_per_second}
            for key, h in items
        }
