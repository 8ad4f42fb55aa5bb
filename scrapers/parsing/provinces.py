"""Province names in article text: which provinces a page mentions, which one an outlet names.

The names are the reference's (reference/provinces.csv); a page is matched on the names that mean the
province wherever they stand, not on those that need a "tỉnh"/"TP." before them.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from reference.provinces import provinces
from scrapers.parsing.text import fold

# Phrases that contain a province name without meaning the province.
_NOT_PROVINCES = re.compile(r"Thái Bình Dương|Châu Á - Thái Bình Dương|Chủ tịch Hồ Chí Minh|Tư tưởng Hồ Chí Minh")


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
        for alias in p.spellings:
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
        for alias in p.spellings:
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
