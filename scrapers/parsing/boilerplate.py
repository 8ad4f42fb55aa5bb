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


@dataclass(frozen=True)
class Rules:
    noise_class: re.Pattern
    noise_tags: frozenset[str]
    drop: tuple[re.Pattern, ...]
    cut_from: tuple[re.Pattern, ...]
    counter_heading: re.Pattern
    counter_line: re.Pattern
    source_line: tuple[re.Pattern, ...]
    inline: re.Pattern


@lru_cache(maxsize=1)
def rules() -> Rules:
    data = yaml.safe_load(resources.files("scrapers.parsing").joinpath("data/boilerplate.yaml").read_text("utf-8"))
    flags = re.IGNORECASE

    def many(key: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p, flags) for p in data[key])

    words = sorted(data["noise_class_words"], key=len, reverse=True)
    return Rules(
        noise_class=re.compile("|".join(re.escape(w) for w in words), flags),
        noise_tags=frozenset(data["noise_tags"]),
        drop=many("drop_paragraph"),
        cut_from=many("cut_from"),
        counter_heading=re.compile(data["visitor_counter_heading"], flags),
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


def clean_paragraphs(paragraphs: list[str], *, title: str | None = None, month_first: bool = False,
                     source_tail: int = 3) -> Cleaned:
    """Drop chrome paragraphs; take the "Nguồn:"/"Theo:" line out when it is among the last ones."""
    r = rules()
    out = Cleaned(paragraphs=[])
    title_key = " ".join(title.split()).casefold() if title else None
    in_counter = False
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
        if kept_chars >= 200 and any(p.search(text) for p in r.cut_from):
            tail = paragraphs[i:]
            out.removed.extend(tail)
            out.counters.extend(t for t in tail if r.counter_heading.match(t) or r.counter_line.match(t))
            break
        if any(p.search(text) for p in r.drop) or any(p.search(text) for p in r.cut_from):
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
