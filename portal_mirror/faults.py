"""Fault injection plan and the deterministic decision of which request gets which fault.

The draw for a request depends only on (seed, site, method, URL, how many times that URL was asked
before), not on thread interleaving, so a crawl under faults is reproducible.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

FAILURE_KINDS = ("500", "503", "timeout", "reset")


class FaultPlanError(ValueError):
    """A fault plan is malformed."""


@dataclass(frozen=True)
class FaultPlan:
    failure_rate: float = 0.0
    kinds: tuple[str, ...] = FAILURE_KINDS
    slow_body: float = 0.0                  # share of responses whose body trickles
    truncated: float = 0.0                  # share of responses cut halfway
    down_sites: frozenset[str] = frozenset()
    sites: frozenset[str] | None = None     # random faults only on these sites; None = all
    seed: int = 0
    hang_seconds: float = 30.0              # a "timeout" keeps the client waiting this long
    slow_seconds: float = 3.0               # a slow body takes this long in total
    max_consecutive: int | None = 2         # a URL never fails more often in a row
    exempt_paths: tuple[str, ...] = ("/robots.txt",)

    def __post_init__(self):
        kinds = tuple(str(k) for k in self.kinds)
        bad = [k for k in kinds if k not in FAILURE_KINDS]
        if bad:
            raise FaultPlanError(f"unknown fault kinds {bad}; known: {list(FAILURE_KINDS)}")
        if self.failure_rate > 0 and not kinds:
            raise FaultPlanError("failure_rate > 0 needs at least one kind")
        for name in ("failure_rate", "slow_body", "truncated"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise FaultPlanError(f"{name} must be within [0, 1], got {value!r}")
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "down_sites", frozenset(self.down_sites))
        if self.sites is not None:
            object.__setattr__(self, "sites", frozenset(self.sites))
        object.__setattr__(self, "exempt_paths", tuple(self.exempt_paths))

    @classmethod
    def from_dict(cls, data: dict) -> "FaultPlan":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise FaultPlanError(f"unknown fault plan keys {sorted(unknown)}; known: {sorted(known)}")
        data = dict(data)
        for key in ("kinds", "exempt_paths"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path) -> "FaultPlan":
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
        return cls.from_dict(data or {})


@dataclass
class Decision:
    failure: str | None = None      # one of FAILURE_KINDS
    slow: bool = False
    truncated: bool = False

    @property
    def label(self) -> str | None:
        if self.failure:
            return self.failure
        if self.slow:
            return "slow_body"
        if self.truncated:
            return "truncated"
        return None


def _uniform(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


@dataclass
class FaultDecider:
    plan: FaultPlan = field(default_factory=FaultPlan)
    _seen: dict = field(default_factory=dict)
    _streak: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, site_id: str, method: str, path: str) -> Decision:
        plan = self.plan
        if path.split("?", 1)[0] in plan.exempt_paths:
            return Decision()
        if plan.sites is not None and site_id not in plan.sites:
            return Decision()
        key = (site_id, method, path)
        with self._lock:
            n = self._seen.get(key, 0)
            self._seen[key] = n + 1
            streak = self._streak.get(key, 0)
            may_fail = plan.max_consecutive is None or streak < plan.max_consecutive
            decision = Decision()
            if may_fail and plan.failure_rate and _uniform(plan.seed, "fail", *key, n) < plan.failure_rate:
                pick = int(_uniform(plan.seed, "kind", *key, n) * len(plan.kinds))
                decision.failure = plan.kinds[min(pick, len(plan.kinds) - 1)]
            elif plan.slow_body and _uniform(plan.seed, "slow", *key, n) < plan.slow_body:
                decision.slow = True
            elif may_fail and plan.truncated and _uniform(plan.seed, "trunc", *key, n) < plan.truncated:
                decision.truncated = True
            # a truncated body is a failure for the client too
            self._streak[key] = streak + 1 if (decision.failure or decision.truncated) else 0
        return decision
