"""Gambling-spam injected into hacked portals: find it, cut it out of the text, say what was cut.

Two shapes are seen on real hacked portals: a comma-glued run of Vietnamese letters with the spaces
stripped, ending in SEO terms ("2021,ậptrungđẩymạnhchuyểnđổisốtrnđịabntỉbong da wap keo"), and
blocks of gambling links hidden with display:none. Terms live in data/spam.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

_TOKEN = re.compile(r"\S+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class SpamRules:
    strong: re.Pattern
    weak: re.Pattern
    run_words: frozenset[str]
    min_letters: int
    min_letters_ascii: int
    quick: re.Pattern  # any letter run long enough to be a glued run


def _terms(words: list[str]) -> re.Pattern:
    alternatives = sorted({w.lower() for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives) + r")(?!\w)",
                      re.IGNORECASE)


@lru_cache(maxsize=1)
def spam_rules() -> SpamRules:
    data = yaml.safe_load(resources.files("scrapers.parsing").joinpath("data/spam.yaml").read_text("utf-8"))
    return SpamRules(
        strong=_terms(data["strong"]),
        weak=_terms(data["weak"]),
        run_words=frozenset(str(w).lower() for w in data["run_words"]),
        min_letters=int(data["glued_run_min_letters"]),
        min_letters_ascii=int(data["glued_run_min_letters_ascii"]),
        quick=re.compile(r"[^\W\d_]{%d,}" % int(data["glued_run_min_letters"])),
    )


def gambling_terms(text: str, *, include_weak: bool = True) -> list[str]:
    """Gambling terms present in ``text`` (lower-cased, in order of appearance, without repeats)."""
    r = spam_rules()
    found = [m.group(0).lower() for m in r.strong.finditer(text)]
    if include_weak:
        found += [m.group(0).lower() for m in r.weak.finditer(text)]
    return list(dict.fromkeys(" ".join(t.split()) for t in found))


@dataclass
class SpamScan:
    text: str
    runs: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def _glued_runs(token: str, offset: int, r: SpamRules):
    if token.startswith(("#", "@", "http", "www.")):
        return
    for m in _LETTER_RUN.finditer(token):
        run = m.group(0)
        if len(run) >= r.min_letters_ascii or (len(run) >= r.min_letters and not run.isascii()):
            yield offset + m.start(), offset + m.end()


def scan_paragraph(text: str) -> SpamScan:
    """Remove injected runs from one paragraph; genuine text around them is kept."""
    r = spam_rules()
    if not r.quick.search(text) and not r.strong.search(text):
        return SpamScan(text)
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    seeds: list[tuple[int, int]] = []
    for start, end, tok in tokens:
        seeds.extend(_glued_runs(tok, start, r))
    strong = list(r.strong.finditer(text))
    seeds.extend((m.start(), m.end()) for m in strong)
    if not seeds:
        return SpamScan(text)

    def is_run_word(tok: str) -> bool:
        word = tok.strip(".,;:!?()[]\"'").lower()
        return bool(word) and word.isascii() and (word in r.run_words or bool(r.strong.fullmatch(word)))

    spans: list[list[int]] = []
    for lo, hi in sorted(seeds):
        idx = [i for i, (s, e, _) in enumerate(tokens) if s < hi and e > lo]
        first, last = idx[0], idx[-1]
        while last + 1 < len(tokens) and is_run_word(tokens[last + 1][2]):
            last += 1
        while first - 1 >= 0 and is_run_word(tokens[first - 1][2]) and tokens[first - 1][2].islower():
            first -= 1
        if first < idx[0]:
            lo = tokens[first][0]
        hi = max(hi, tokens[last][1]) if last > idx[-1] else hi
        if spans and lo <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    runs = [text[lo:hi] for lo, hi in spans]
    pieces, pos = [], 0
    for lo, hi in spans:
        pieces.append(text[pos:lo])
        pos = hi
    pieces.append(text[pos:])
    cleaned = " ".join("".join(pieces).split())
    cleaned = re.sub(r"\s+([,.;:])", r"\1", cleaned)
    cleaned = re.sub(r"([,;:])(?=[,.;:])", "", cleaned)
    terms = gambling_terms(" ".join(runs), include_weak=False)
    return SpamScan(cleaned, runs, terms)
