"""Paragraph-level removal of page chrome, driven by data/boilerplate.yaml.

The DOM pass (dom.py) drops whole chrome elements; this pass catches the chrome that portals
write as plain paragraphs inside the article container: share bars, counters, "Xem tin theo ngày",
related-news headings, date lines, and the "Nguồn:"/"Theo:" line, which is kept as source_line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from scrapers.parsing.dates import looks_like_date_line


_TOKEN_PARTS = re.compile(r"[-_.:]+|(?<=[a-z0-9])(?=[A-Z])")


class WordSet:
    """Words matched against class/id tokens as whole words or word parts, never inside a word.

    A token matches a word when it is the word, when one of its parts (split at - _ . : and
    camelCase) is the word or its plural, when a run of parts spells a compound word
    ("other-news"), or, for the affix words, when it starts or ends with one."""

    def __init__(self, words, affixes=None):
        """``affixes``: the words a token may merely start or end with (default: those of four
        letters or more)."""
        self.simple = frozenset(w.lower() for w in words if not _TOKEN_PARTS.search(w))
        chosen = self.simple if affixes is None else frozenset(w.lower() for w in affixes)
        self.affixes = tuple(sorted((w for w in chosen if len(w) >= 4), key=len, reverse=True))
        self.compounds = tuple("-" + "-".join(_TOKEN_PARTS.split(w.lower())) + "-"
                               for w in words if _TOKEN_PARTS.search(w))
        self._cache: dict[str, bool] = {}

    def match_token(self, token: str) -> bool:
        hit = self._cache.get(token)
        if hit is None:
            hit = self._cache[token] = self._match(token)
        return hit

    def _match(self, token: str) -> bool:
        lowered = token.lower()
        if lowered in self.simple:
            return True
        parts = [p for p in _TOKEN_PARTS.split(token) if p]
        lowered_parts = [p.lower() for p in parts]
        for part in lowered_parts:
            if part in self.simple or (part.endswith("s") and part[:-1] in self.simple):
                return True
            if any(part.startswith(w) or part.endswith(w) for w in self.affixes):
                return True
        joined = "-" + "-".join(lowered_parts) + "-"
        return any(c in joined for c in self.compounds)

    def match_attrs(self, *values: str | None) -> bool:
        """True when any whitespace-separated token of the given attribute values matches."""
        return any(self.match_token(token) for value in values if value for token in value.split())


@dataclass(frozen=True)
class Rules:
    noise_words: WordSet
    noise_attributes: tuple[str, ...]
    noise_roles: frozenset[str]
    hidden_class_tokens: frozenset[str]
    lead_words: WordSet
    lead_attributes: tuple[str, ...]
    page_date_words: WordSet
    noise_tags: frozenset[str]
    drop: tuple[re.Pattern, ...]
    cut_from: tuple[re.Pattern, ...]
    counter_heading: re.Pattern
    counter_markers: tuple[str, ...]
    counter_line: re.Pattern
    source_line: tuple[re.Pattern, ...]
    inline: re.Pattern


@lru_cache(maxsize=1)
def rules() -> Rules:
    data = yaml.safe_load(resources.files("scrapers.parsing").joinpath("data/boilerplate.yaml").read_text("utf-8"))
    flags = re.IGNORECASE

    def many(key: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p, flags) for p in data[key])

    return Rules(
        noise_words=WordSet(data["noise_class_words"]),
        noise_attributes=tuple(data["noise_attributes"]),
        noise_roles=frozenset(r.lower() for r in data["noise_roles"]),
        hidden_class_tokens=frozenset(t.lower() for t in data["hidden_class_tokens"]),
        lead_words=WordSet(data["lead_class_words"], affixes=data["lead_class_affixes"]),
        lead_attributes=tuple(data["lead_attributes"]),
        page_date_words=WordSet(data["page_date_class_words"]),
        noise_tags=frozenset(data["noise_tags"]),
        drop=many("drop_paragraph"),
        cut_from=many("cut_from"),
        counter_heading=re.compile(data["visitor_counter_heading"], flags),
        counter_markers=tuple(m.lower() for m in data["visitor_counter_markers"]),
        counter_line=re.compile(data["visitor_counter_line"], flags),
        source_line=many("source_line"),
        inline=re.compile("|".join(f"(?:{p})" for p in data["inline_noise"]), flags),
    )


@dataclass
class Cleaned:
    paragraphs: list[str]
    source_line: str | None = None
    source_outlet: str | None = None
    counters: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def match_source_line(paragraph: str) -> tuple[str, str] | None:
    for pattern in rules().source_line:
        m = pattern.match(paragraph)
        if m:
            outlet = m.group("outlet").strip(" .;,|")
            if outlet:
                return paragraph.strip(), outlet
    return None


def is_chrome(text: str) -> bool:
    """A line that is page chrome wherever it appears (share bar, counter, related-news heading...)."""
    r = rules()
    return bool(any(p.search(text) for p in r.drop) or any(p.search(text) for p in r.cut_from)
                or r.counter_heading.match(text) or r.counter_line.match(text))


_BOX_ITEM_END = re.compile(r"[.!?:;…\"”»]$")


def _is_prose(text: str) -> bool:
    """A paragraph of running text rather than a headline in a list of links ("... (28/3)")."""
    return len(text) >= 200 or (len(text) >= 40 and bool(_BOX_ITEM_END.search(text)))


def _prose_chars(paragraphs: list[str]) -> int:
    return sum(len(p) for p in paragraphs if len(p) >= 120)


def clean_paragraphs(paragraphs: list[str], *, title: str | None = None, month_first: bool = False,
                     source_tail: int = 3) -> Cleaned:
    """Drop chrome paragraphs; take the "Nguồn:"/"Theo:" line out when it is among the last ones."""
    r = rules()
    out = Cleaned(paragraphs=[])
    title_key = " ".join(title.split()).casefold() if title else None
    in_counter = in_box = False
    kept_chars = 0
    for i, para in enumerate(paragraphs):
        text = para
        if r.inline.search(text):
            text = " ".join(r.inline.sub(" ", text).split())
            if not text:
                out.removed.append(para)
                continue
        if r.counter_heading.match(text):
            in_counter = True
            out.counters.append(text)
            continue
        if r.counter_line.match(text) or (in_counter and not text[:1].isalpha()):
            out.counters.append(text)
            continue
        in_counter = False
        if in_box:
            if not _is_prose(text):
                out.removed.append(para)
                continue
            in_box = False
        if any(p.search(text) for p in r.cut_from):
            if kept_chars >= 200 and _prose_chars(paragraphs[i + 1:]) <= _prose_chars(out.paragraphs):
                tail = paragraphs[i:]
                out.removed.extend(tail)
                out.counters.extend(t for t in tail if r.counter_heading.match(t) or r.counter_line.match(t))
                break
            in_box = True  # a box before the main text: drop its heading and headlines, read on
            out.removed.append(para)
            continue
        if any(p.search(text) for p in r.drop):
            out.removed.append(para)
            continue
        if title_key and text.casefold() == title_key:
            out.removed.append(para)
            continue
        if looks_like_date_line(text, month_first=month_first):
            out.removed.append(para)
            continue
        out.paragraphs.append(text)
        kept_chars += len(text)
    for j in range(len(out.paragraphs) - 1, max(-1, len(out.paragraphs) - 1 - source_tail), -1):
        found = match_source_line(out.paragraphs[j])
        if found:
            out.source_line, out.source_outlet = found
            del out.paragraphs[j]
            break
    return out
