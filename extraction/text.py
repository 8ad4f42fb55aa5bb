"""Text preparation: normalisation that keeps offsets into the caller's text, and segmentation
into lines, sentences and clauses (spans, never copies, so a 1 MB article stays cheap)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}
_SPACES = {"\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u3000", "\t", "\u2007", "\u2008", "\u200a"}
_DASHES = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-"}

_TABLE = {ord(c): " " for c in _SPACES}
_TABLE.update({ord(k): v for k, v in _DASHES.items()})
_ODD_CHARS = re.compile("[" + "".join(_SPACES) + "".join(_DASHES) + "]")



def _orthography() -> dict:
    """Tone styles and abbreviations from rules/_orthography.yaml (data, like every Vietnamese word)."""
    import yaml

    with open(Path(__file__).with_name("rules") / "_orthography.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


_ORTHO = _orthography()
_TONE_MAP = {unicodedata.normalize("NFC", k): unicodedata.normalize("NFC", v) for k, v in _ORTHO["tone_style"].items()}
_TONE_STYLE = re.compile("(?:" + "|".join(map(re.escape, _TONE_MAP)) + r")(?!\w)")
_KEEP_AFTER = _ORTHO["keep_after"]


def _restyle(m: re.Match) -> str:
    pair = m.group(0)
    if m.start() > 0 and m.string[m.start() - 1] == _KEEP_AFTER and pair[0] == "u":
        return pair  # the tone already sits on the vowel after "qu"
    return _TONE_MAP.get(pair, pair)


class SuffixMatcher:
    """Which of a set of phrases ends a text at a word boundary; a dictionary lookup on the last
    word instead of a regex search, because it runs for every number in every article."""

    def __init__(self, phrases, trailing: str = " "):
        self.by_last: dict[str, list[str]] = {}
        self.trailing = trailing
        for p in sorted(set(phrases), key=len, reverse=True):
            self.by_last.setdefault(p.rsplit(" ", 1)[-1], []).append(p)

    def match(self, text: str, end: int, start_limit: int = 0) -> tuple[str, int] | None:
        """(phrase, start) for the longest phrase ending at `end` (after trailing characters)."""
        e = end
        while e > start_limit and text[e - 1] in self.trailing:
            e -= 1
        b = e
        while b > start_limit and (text[b - 1].isalnum()):
            b -= 1
        cands = self.by_last.get(text[b:e])
        if not cands:
            return None
        for p in cands:
            s = e - len(p)
            if s >= start_limit and text.startswith(p, s) and (s == 0 or not text[s - 1].isalnum()):
                return p, s
        return None


@dataclass(frozen=True)
class Prepared:
    """Normalised text, its lower-case twin (same length) and offsets back into the input."""

    text: str
    low: str
    offsets: list[int] | None  # offsets[i] = input index of text[i]; None when identical

    def source_index(self, i: int, original_len: int) -> int:
        if self.offsets is None:
            return i
        if i >= len(self.offsets):
            return original_len
        return self.offsets[i]


def prepare(raw: str) -> Prepared:
    """NFC, plain spaces, no zero-width characters; offsets map back to `raw`."""
    text = raw
    offsets = None
    needs_map = not unicodedata.is_normalized("NFC", raw) or any(c in raw for c in _ZERO_WIDTH)
    if needs_map:
        out: list[str] = []
        offsets = []
        i, n = 0, len(raw)
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(raw[j]):
                j += 1
            seg = raw[i:j]
            if seg in _ZERO_WIDTH:
                i = j
                continue
            norm = unicodedata.normalize("NFC", seg)
            out.append(norm)
            offsets.extend([i] * len(norm))
            i = j
        text = "".join(out)
    if _ODD_CHARS.search(text):
        text = _ODD_CHARS.sub(lambda m: _TABLE[ord(m.group(0))], text)
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep offsets aligned
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    low = _TONE_STYLE.sub(_restyle, low)
    return Prepared(text=text, low=low, offsets=offsets)


def normalise_phrase(s: str) -> str:
    """The same normalisation for vocabulary (cue words, place names) as for text."""
    return prepare(s).low


@dataclass
class Sentence:
    start: int
    end: int
    line_start: int
    line_index: int
    is_heading: bool
    clause_bounds: list[int]  # offsets of ';' inside the sentence


_SENT_END = re.compile(r"(?:[.!?…]+|\.\.\.)[\"”’)\]]*\s+")
_ABBREV = re.compile(r"(?:\b(?:" + "|".join(re.escape(a) for a in sorted(_ORTHO["abbreviations"], key=len, reverse=True))
                     + r")|\b[^\W\d_])\.$", re.I)
_MAX_SENTENCE = 2000  # longer "sentences" (spam, unpunctuated dumps) are cut so evidence stays readable


def split_sentences(text: str) -> list[Sentence]:
    """Lines, then sentences at final punctuation followed by an upper-case letter, digit or quote."""
    sentences: list[Sentence] = []
    pos = 0
    line_index = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        line_end = n if nl < 0 else nl
        _split_line(text, pos, line_end, line_index, sentences)
        line_index += 1
        if nl < 0:
            break
        pos = nl + 1
    return sentences


def _split_line(text: str, start: int, end: int, line_index: int, out: list[Sentence]) -> None:
    s = start
    while s < end and text[s].isspace():
        s += 1
    e = end
    while e > s and text[e - 1].isspace():
        e -= 1
    if s >= e:
        return
    line = text[s:e]
    heading = len(line) <= 160 and line[-1] not in ".!?…;:," and not line.endswith("...")
    cur = s
    for m in _SENT_END.finditer(text, s, e):
        nxt = m.end()
        if nxt >= e:
            break
        c = text[nxt]
        if not (c.isupper() or c.isdigit() or c in "\"“'‘(["):
            continue
        before = text[max(cur, m.start() - 6):m.start() + 1]
        if text[m.start()] == "." and _ABBREV.search(before):
            continue
        _emit(text, cur, m.end(), line_index, s, heading, out)
        cur = nxt
    _emit(text, cur, e, line_index, s, heading, out)


def _emit(text, start, end, line_index, line_start, heading, out) -> None:
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return
    while end - start > _MAX_SENTENCE:
        cut = text.rfind(" ", start + _MAX_SENTENCE // 2, start + _MAX_SENTENCE)
        if cut <= start:
            cut = start + _MAX_SENTENCE
        out.append(Sentence(start, cut, line_start, line_index, False, _clauses(text, start, cut)))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append(Sentence(start, end, line_start, line_index, heading, _clauses(text, start, end)))


def _clauses(text: str, start: int, end: int) -> list[int]:
    bounds = []
    i = text.find(";", start, end)
    while i >= 0:
        bounds.append(i)
        i = text.find(";", i + 1, end)
    return bounds
