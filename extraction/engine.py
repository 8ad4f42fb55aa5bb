"""The extraction engine: ties each number to the indicator rule whose cue holds it, then decides
scope (province, not district or nation), target vs result, qualifier and reference year."""
from __future__ import annotations

import bisect
import datetime as dt
import logging
import re
from dataclasses import dataclass

from .numbers import DATE, QUANTITY, YEAR, NumberReader, Quantity
from .rules import Lexicon, Rule, load_lexicon, load_rules
from .text import Prepared, Sentence, prepare, split_sentences

log = logging.getLogger(__name__)

_BEFORE_WINDOW = 160
_AFTER_WINDOW = 160
_YEAR_RE = re.compile(r"(?<![\d.,/])(19[5-9]\d|20\d\d)(?![\d]|[.,]\d|\s?%)")
_BULLET = re.compile(r"\s*[-+•*–·]\s*")


@dataclass
class RawMention:
    rule: Rule
    q: Quantity
    value: float
    denominator: float | None
    qualifier: str
    target: bool
    year: int | None
    year_source: str
    sentence: Sentence


@dataclass
class TimeMark:
    start: int
    end: int
    kind: str           # explicit | date | doc | publication | previous | next
    year: int | None
    ignored: bool       # a comparison or a plan's name, not the period described
    comparison: bool = False


class Engine:
    def __init__(self, rules: tuple[Rule, ...] | None = None, lex: Lexicon | None = None):
        self.lex = lex or load_lexicon()
        self.rules = rules if rules is not None else load_rules()
        self.reader = NumberReader(self.lex)

    # ------------------------------------------------------------------ entry point
    def run(self, raw: str, published: dt.date | None, province: str | None) -> list[RawMention]:
        prep = prepare(raw)
        low = prep.low
        sentences = split_sentences(prep.text)
        if not sentences:
            return []
        blocked = self._blocked_spans(low)
        quantities = [q for q in self.reader.scan(low) if not _inside(blocked, q.start)]
        marks = self._time_marks(low, quantities, published)
        doc_year = self._doc_default_year(low, published)
        own = self.lex.province_key.get(_norm_name(province)) if province else None
        mention_qs = [q for q in quantities if q.role == QUANTITY]
        q_starts = [q.start for q in mention_qs]
        mark_starts = [m.start for m in marks]
        out: list[RawMention] = []
        carry: dict[int, int | None] = {}       # line -> last frame year seen in that line
        heading_year: int | None = None
        target_block = False
        prev_sentence_text = ""
        for si, s in enumerate(sentences):
            if s.is_heading:
                hy = self._frame_year(marks, mark_starts, s.start, s.end, published, doc_year)
                if hy is not None:
                    heading_year = hy
            line_low = low[s.line_start:s.end]
            if s.start == s.line_start:
                if target_block and not _BULLET.match(line_low):
                    target_block = False
                if prev_sentence_text.rstrip().endswith(":") and self.lex.target_cues.search(prev_sentence_text):
                    target_block = True
            i0 = bisect.bisect_left(q_starts, s.start)
            i1 = bisect.bisect_left(q_starts, s.end)
            if i1 > i0:
                out.extend(self._sentence(low, prep, s, mention_qs[i0:i1], marks, mark_starts, published,
                                          doc_year, own, carry.get(s.line_index), heading_year, target_block))
            fy = self._frame_year(marks, mark_starts, s.start, s.end, published, doc_year, last=True)
            if fy is not None and not self.lex.target_cues.search(low, s.start, s.end):
                carry[s.line_index] = fy
            prev_sentence_text = low[s.start:s.end]
        return _drop_restatements(out)

    # ------------------------------------------------------------------ per sentence
    def _sentence(self, low, prep, s, qs, marks, mark_starts, published, doc_year, own, carry_year,
                  heading_year, target_block) -> list[RawMention]:
        sent_low = low[s.start:s.end]
        rules = [r for r in self.rules if any(k in sent_low for k in r.keywords)]
        if not rules:
            return []
        scopes = self._scopes(prep.text, low, s, own)
        out: list[RawMention] = []
        for q in qs:
            if q.delta:
                continue
            best = None
            for rule in rules:
                score = self._match(rule, low, s, q)
                if score is not None and (best is None or score > best[0]):
                    best = (score, rule)
            if best is None:
                continue
            rule = best[1]
            if not self._in_scope(scopes, q, low, s):
                log.debug("out of scope: %s %r", rule.code, low[q.start:q.end])
                continue
            target = target_block or self._is_target(low, s, q)
            year, source = self._year(q, s, marks, mark_starts, published, doc_year, carry_year, heading_year,
                                      target)
            if not target and published and year and source == "explicit" and year > published.year:
                target = True
            value, denom = _value(rule, q)
            m = RawMention(rule, q, value, denom, q.qualifier, target, year, source, s)
            out.append(m)
            d = self._derived(low, s, q, m, marks, mark_starts)
            if d is not None:
                out.append(d)
        return out

    def _match(self, rule: Rule, low: str, s: Sentence, q: Quantity) -> float | None:
        if q.kind not in rule.shapes:
            return None
        value, _ = _value(rule, q)
        if not rule.value_ok(value, q.integral):
            return None
        bstart = max(s.start, q.qstart - _BEFORE_WINDOW)
        aend = min(s.end, q.end + _AFTER_WINDOW)
        best = None
        for p in rule.patterns:
            if q.kind not in p.shapes:
                continue
            score = 0.0
            if p.before is not None:
                m = p.before.search(low, bstart, q.qstart)
                if not m:
                    continue
                score += len(m.group("cue")) + 1
            if p.after is not None:
                m = p.after.match(low, q.end, aend)
                if not m:
                    continue
                score += len(m.group("cue")) + 1
            if p.context_require is not None and not _context_ok(p.context_require, p.context_against, low, s, q):
                continue
            if best is None or score > best:
                best = score
        if best is None:
            return None
        for x in rule.exclude_before:
            if x.search(low, max(s.start, q.qstart - 80), q.qstart):
                return None
        for x in rule.exclude_after:
            if x.match(low, q.end, aend):
                return None
        for x in rule.exclude_sentence:
            if x.search(low, s.start, s.end):
                return None
        if rule.context_require is not None and not _context_ok(rule.context_require, rule.context_against, low, s, q):
            return None
        return best + rule.priority

    # ------------------------------------------------------------------ scope
    def _scopes(self, text: str, low: str, s: Sentence, own: str | None) -> list[tuple[int, int, str]]:
        marks = []
        operator_ends = []
        for m in self.lex.scope_words.finditer(low, s.start, s.end):
            kind = self.lex.scope_kind[m.group(0)]
            marks.append((m.start(), m.end(), kind))
            if kind == "operator":
                operator_ends.append(m.end())
        districts = []
        for m in self.lex.district_named.finditer(text, s.start, s.end):
            words = []
            for w in m.group(1).split(" "):
                if not w[0].isupper():
                    break
                words.append(w)
            if not words:
                continue
            end = m.start(1) + len(" ".join(words))
            districts.append((m.start(), end))
            kind = "district"
            if low[m.start():m.start(1)].startswith(("thành phố", "tp")):
                key = self.lex.province_key.get(low[m.start(1):end])
                if key in self.lex.central_keys:
                    kind = "province" if (own is None or key == own) else "other"
            marks.append((m.start(), end, kind))
        for m in self.lex.province_names.finditer(low, s.start, s.end):
            if any(a <= m.start() < b for a, b in districts):
                continue  # "thành phố Hà Giang" is a district, not the province
            if any(0 <= m.start() - e <= 7 and low[e:m.start()].strip() in ("", "tỉnh") for e in operator_ends):
                continue  # "Viettel Hà Giang" is an operator's branch
            key = self.lex.province_key[m.group(1)]
            pre = low[max(s.start, m.start() - 6):m.start()]
            if own is not None and key != own:
                if pre.endswith(("tỉnh ", "phố ", "tp. ", "tp ")):
                    marks.append((m.start(), m.end(), "other"))
            elif own is not None or pre.endswith("tỉnh "):
                marks.append((m.start(), m.end(), "province"))
        marks.sort()
        return marks

    def _in_scope(self, scopes, q: Quantity, low: str, s: Sentence) -> bool:
        nearest = None
        for start, end, kind in scopes:
            if end <= q.qstart:
                nearest = kind
            elif start >= q.end:
                # a marker in the figure's own phrase ("... trạm BTS của cả nước")
                gap = low[q.end:start]
                if len(gap) < 60 and not re.search(r"[,;()]|\s-\s|\btrong đó\b", gap) and kind in ("national", "district", "other"):
                    return False
                break
        return nearest in (None, "province")

    # ------------------------------------------------------------------ targets
    def _is_target(self, low: str, s: Sentence, q: Quantity) -> bool:
        last = None
        for m in self.lex.target_cues.finditer(low, s.start, q.start):
            last = m
        if last is None:
            return False
        if self.lex.achieved_cues.search(low, last.end(), q.qstart):
            return False
        return True

    # ------------------------------------------------------------------ time
    def _time_marks(self, low: str, quantities: list[Quantity], published: dt.date | None) -> list[TimeMark]:
        marks: list[TimeMark] = []
        for m in _YEAR_RE.finditer(low):
            s = m.start()
            ctx = low[max(0, s - 40):s]
            prev = low[max(0, s - 3):s]
            if "/" in prev[-1:] and re.search(r"\d/\s?\Z", ctx):
                continue  # part of a date, handled below
            ignored = bool(self.lex.time_ignore_before.search(ctx))
            comparison = bool(re.search(r"so (?:với )?(?:cùng kỳ )?(?:cuối )?(?:năm )?\Z", ctx))
            marks.append(TimeMark(s, m.end(), "explicit", int(m.group(1)), ignored, comparison))
        for q in quantities:
            if q.role == DATE:
                if q.date_year is not None:
                    year = q.date_year
                elif published is not None:
                    year = published.year - 1 if (q.date_month or 0) > published.month else published.year
                else:
                    year = None
                ignored = bool(re.search(r"(?:số|ban hành|ký|ngày ban hành)[^,;]{0,40}\Z", low[max(0, q.start - 50):q.start]))
                marks.append(TimeMark(q.start, q.end, "date" if q.date_year else "date_inferred", year, ignored))
        for m in self.lex.relative_time.finditer(low):
            marks.append(TimeMark(m.start(), m.end(), self.lex.relative_kind[m.group(1)], None, False))
        marks.sort(key=lambda t: t.start)
        return marks

    def _resolve(self, mark: TimeMark, published: dt.date | None, doc_year: int | None) -> tuple[int | None, str]:
        if mark.kind == "explicit" or mark.kind == "date":
            return mark.year, "explicit"
        if mark.kind == "date_inferred":
            return mark.year, "inferred"
        if mark.kind == "doc":
            return doc_year, "inferred"
        if published is None:
            return None, "none"
        if mark.kind == "publication":
            return published.year, "inferred"
        if mark.kind == "previous":
            return published.year - 1, "inferred"
        if mark.kind == "next":
            return published.year + 1, "inferred"
        return None, "none"

    def _frame_year(self, marks, mark_starts, start, end, published, doc_year, last=False) -> int | None:
        i0 = bisect.bisect_left(mark_starts, start)
        i1 = bisect.bisect_left(mark_starts, end)
        found = None
        for m in marks[i0:i1]:
            if m.ignored or m.kind == "next":
                continue
            y, _ = self._resolve(m, published, doc_year)
            if y is not None:
                found = y
                if not last:
                    return y
        return found

    def _year(self, q, s, marks, mark_starts, published, doc_year, carry_year, heading_year, target):
        i0 = bisect.bisect_left(mark_starts, s.start)
        i1 = bisect.bisect_left(mark_starts, s.end)
        in_sentence = marks[i0:i1]
        if target:
            years = [m.year for m in in_sentence if m.kind in ("explicit", "date") and m.year
                     and not m.comparison]
            if years:
                return max(years), "explicit"
            if any(m.kind == "next" for m in in_sentence):
                return (published.year + 1, "inferred") if published else (None, "none")
            if published is not None:
                return published.year, "inferred"
            return (doc_year, "inferred") if doc_year else (None, "none")
        clause_start = s.start
        clause_end = s.end
        for b in s.clause_bounds:
            if b < q.start:
                clause_start = b
            elif b >= q.end:
                clause_end = b
                break
        before = [m for m in in_sentence if m.end <= q.qstart and not m.ignored and m.kind != "next"]
        if before:
            return self._resolve(before[-1], published, doc_year)
        after = [m for m in in_sentence if m.start >= q.end and m.start < clause_end and not m.ignored
                 and m.kind != "next"]
        if after:
            return self._resolve(after[0], published, doc_year)
        if carry_year is not None:
            return carry_year, "inferred"
        if heading_year is not None:
            return heading_year, "inferred"
        if doc_year is not None:
            return doc_year, "inferred"
        return None, "none"

    def _doc_default_year(self, low: str, published: dt.date | None) -> int | None:
        if published is None:
            return None
        early = published.month == 1 or (published.month == 2 and published.day <= 15)
        if early and self.lex.review_cues.search(low):
            return published.year - 1
        return published.year

    # ------------------------------------------------------------------ deltas
    def _derived(self, low, s, q, m: RawMention, marks, mark_starts) -> RawMention | None:
        """"939 trạm BTS (tăng 33 trạm so với năm 2019)" -> 906 in 2019."""
        if m.rule.unit != "count" or m.denominator is not None or m.target:
            return None
        window = low[q.end:min(s.end, q.end + 90)]
        dm = re.match(r"[^;.\d]{0,50}?[(,]\s*(tăng|giảm)(?: thêm)?\s+([\d.]+)(?:\s+[^\s\d%;,()]+){0,3}\s+so với\s+"
                      r"(?:cùng kỳ\s+)?(?:cuối\s+)?năm\s+(\d{4})", window)
        if not dm:
            return None
        from .numbers import parse_vn_number
        parsed = parse_vn_number(dm.group(2))
        if parsed is None:
            return None
        delta = parsed[0] if dm.group(1) == "tăng" else -parsed[0]
        prior = m.value - delta
        if prior < 0 or not m.rule.value_ok(prior, True):
            return None
        return RawMention(m.rule, q, prior, None, m.qualifier, False, int(dm.group(3)), "explicit", s)

    # ------------------------------------------------------------------ furniture
    def _blocked_spans(self, low: str) -> list[tuple[int, int]]:
        spans = [(m.start(), m.end()) for m in self.lex.furniture_lines.finditer(low)]
        spans += [(m.start(), m.end()) for m in self.lex.blocked_spans.finditer(low)]
        spans.sort()
        return spans


def _context_ok(require, against, low: str, s: Sentence, q: Quantity) -> bool:
    """The sentence mentions `require`, and nearer to the figure than any `against` mention."""
    req = [m.start() for m in require.finditer(low, s.start, s.end)]
    if not req:
        return False
    if against is None:
        return True
    other = [m.start() for m in against.finditer(low, s.start, s.end)]
    return not other or min(abs(x - q.start) for x in req) <= min(abs(x - q.start) for x in other)


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _norm_name(name: str) -> str:
    from .text import normalise_phrase
    n = normalise_phrase(name).strip()
    for prefix in ("tỉnh ", "thành phố ", "tp. ", "tp "):
        if n.startswith(prefix):
            n = n[len(prefix):]
    return n


def _value(rule: Rule, q: Quantity) -> tuple[float, float | None]:
    return q.value, q.denominator if q.kind == "fraction" else None


def _drop_restatements(ms: list[RawMention]) -> list[RawMention]:
    """A rounded restatement ("gần 99%" in a headline) of a figure given precisely elsewhere in
    the same article is the same figure, not a second one."""
    exact = {}
    for m in ms:
        if m.qualifier != "approx":
            exact.setdefault((m.rule.code, m.target), []).append(m.value)
    out = []
    for m in ms:
        if m.qualifier == "approx":
            others = exact.get((m.rule.code, m.target), [])
            if any(v != m.value and abs(v - m.value) <= 0.015 * max(abs(v), abs(m.value)) for v in others):
                continue
        out.append(m)
    return out
