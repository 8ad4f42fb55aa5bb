"""Vietnamese indicator extraction: figures about provincial ICT and e-government read out of
article text, each tied to the sentence and character span it came from.

Rules are data: one YAML file per indicator in extraction/rules/ (cues, unit, accepted shapes,
exclusions, examples) plus a shared lexicon. EXTRACTOR_VERSION changes whenever the rules or
the code change, so the pipeline knows which articles to read again.
"""
from __future__ import annotations

import datetime as _dt
import hashlib as _hashlib
import logging as _logging
from dataclasses import dataclass
from pathlib import Path as _Path

_CODE_VERSION = "1.0"
log = _logging.getLogger(__name__)


def _rules_digest() -> str:
    h = _hashlib.sha1()
    here = _Path(__file__).parent
    for p in sorted(here.glob("*.py")) + sorted((here / "rules").glob("*.yaml")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:8]


# "<code version>+<digest of code and rule files>": any edit to a rule file changes it.
EXTRACTOR_VERSION: str = f"{_CODE_VERSION}+{_rules_digest()}"


@dataclass(frozen=True)
class Mention:
    indicator: str
    value: float
    denominator: float | None
    unit: str
    qualifier: str        # exact | approx | at_least | at_most
    target: bool
    year: int | None
    year_source: str      # explicit | inferred | none
    evidence: str         # the sentence
    char_start: int       # span of the figure in the input text
    char_end: int
    extractor_version: str

    def to_json(self, doc: str | None = None) -> dict:
        """The object `vnict extract` prints for the figure, one a line."""
        d = {"doc": doc, "indicator": self.indicator, "value": _num(self.value),
             "denominator": _num(self.denominator) if self.denominator is not None else None,
             "unit": self.unit, "qualifier": self.qualifier, "target": self.target, "year": self.year,
             "evidence": self.evidence}
        if doc is None:
            del d["doc"]
        return d


def _num(v: float):
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 63 else round(v, 6)


_engine = None


def _get_engine():
    global _engine
    if _engine is None:
        from .engine import Engine
        _engine = Engine()
    return _engine


def extract(text: str, published: _dt.date | None = None, province: str | None = None) -> list[Mention]:
    """Every indicator figure in `text`, in order of appearance. Malformed input gives []."""
    if not isinstance(text, str) or not text.strip():
        return []
    if isinstance(published, _dt.datetime):
        published = published.date()
    elif isinstance(published, str):
        try:
            published = _dt.date.fromisoformat(published[:10])
        except ValueError:
            log.warning("ignoring unreadable publication date %r", published)
            published = None
    if published is not None and not isinstance(published, _dt.date):
        raise TypeError("published must be a datetime.date or None")
    prep, raw = _get_engine().run(text, published, province)
    out = []
    n = len(text)
    for m in raw:
        s = prep.source_index(m.sentence.start, n)
        e = prep.source_index(m.sentence.end - 1, n) + 1
        fs = prep.source_index(m.q.start, n)
        fe = prep.source_index(m.q.end - 1, n) + 1
        evidence = " ".join(text[s:e].split())
        out.append(Mention(
            indicator=m.rule.code, value=m.value, denominator=m.denominator, unit=m.rule.unit,
            qualifier=m.qualifier, target=m.target, year=m.year, year_source=m.year_source,
            evidence=evidence, char_start=fs, char_end=fe, extractor_version=EXTRACTOR_VERSION))
    return out


__all__ = ["EXTRACTOR_VERSION", "Mention", "extract"]
