"""Province names: the 63 provinces before the merger of 1 July 2025 and the 34 after it.

data/provinces.csv (code, name, name_current, match) was generated from the vietnamadminunits
package's tables, with the pre-2025 name "Thừa Thiên Huế" and common spelling variants added to
``match`` ("Hoà"/"Hòa", "TP.HCM"...). The bare "Hồ Chí Minh" is not a match: in government news it
is far more often the President's name than the city.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from scrapers.parsing.text import fold

# Phrases that contain a province name without meaning the province.
_NOT_PROVINCES = re.compile(r"Thái Bình Dương|Châu Á - Thái Bình Dương|Chủ tịch Hồ Chí Minh|Tư tưởng Hồ Chí Minh")


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    name_current: str
    match: tuple[str, ...]


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    text = resources.files("scrapers.parsing").joinpath("data/provinces.csv").read_text("utf-8")
    return tuple(Province(r["code"], r["name"], r["name_current"], tuple(r["match"].split("|")))
                 for r in csv.DictReader(text.splitlines()))


def province_names() -> list[str]:
    """The 63 pre-2025 names."""
    return [p.name for p in provinces()]


def current_province_names() -> list[str]:
    """The 34 names in force since 1 July 2025."""
    return list(dict.fromkeys(p.name_current for p in provinces()))


def current_name(name: str) -> str | None:
    """The post-merger province a pre-2025 province belongs to."""
    for p in provinces():
        if p.name == name:
            return p.name_current
    return None


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern, dict[str, str]]:
    owner: dict[str, str] = {}
    for p in provinces():
        for alias in p.match:
            owner[alias] = p.name
    alternatives = sorted(owner, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)")
    return pattern, owner


def count_mentions(text: str) -> Counter:
    """Mentions of each province (by pre-2025 name) in ``text``; names are matched as capitalised."""
    pattern, owner = _matcher()
    text = _NOT_PROVINCES.sub(" ", text)
    return Counter(owner[m.group(0)] for m in pattern.finditer(text))


def most_mentioned(text: str) -> str | None:
    counts = count_mentions(text).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


@lru_cache(maxsize=1)
def _folded() -> list[tuple[str, str]]:
    keys = []
    for p in provinces():
        for alias in p.match:
            key = re.sub(r"[^a-z]", "", fold(alias))
            if len(key) >= 5:
                keys.append((key, p.name))
    return sorted(keys, key=lambda kv: len(kv[0]), reverse=True)


def province_in_outlet(outlet: str) -> str | None:
    """Province named by an outlet ("Báo Hà Giang", "tuyenquang.gov.vn"), or None for a national one."""
    named = count_mentions(outlet)
    if named:
        return named.most_common(1)[0][0]
    domain = re.search(r"(?:https?://)?((?:[\w-]+\.)+[a-z]{2,})", outlet.strip().lower())
    if not domain:
        return None
    for label in domain.group(1).split("."):
        label = re.sub(r"[^a-z]", "", fold(label))
        for key, name in _folded():
            if key in label:
                return name
    return None
