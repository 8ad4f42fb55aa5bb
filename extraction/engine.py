"""The extraction engine: ties each number to the indicator rule whose cue holds it, then decides
scope (province, not district or nation), target vs result, qualifier and reference year."""
from __future__ import annotations

import bisect
import datetime as dt
import logging
import re
from dataclasses import dataclass

from .numbers import DATE, QUANTITY, NumberReader, Quantity, parse_vn_number
from .rules import Lexicon, Rule, load_lexicon, load_rules
from .text import Prepared, Sentence, normalise_phrase, prepare, split_sentences

log = logging.getLogger(__name__)

_BEFORE_WINDOW = 160
_AFTER_WINDOW = 160
_YEAR_RE = re.compile(r"(?<![\d.,/])(19[5-9]\d|20\d\d)(?![\d]|[.,]\d|\s?%|[-/]\d)")
_BULLET = re.compile(r"\s*[-+•*–·]\s*")
_LEAD_CHARS = 400
_RANKINGS = ("rank", "index")
_GOAL_OPENING = 40  # a plan's goal is set at the start of its sentence
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_DATE_AFTER = re.compile(r"[-/.]\d")
_DIGIT = re.compile(r"\d")
_TECH_END = re.compile(r"\d\w\s*\Z")   # a generation ("3G") right before a list separator
_TECH_START = re.compile(r"\s*\d\w")
_IN_PARENTHESES_AFTER = re.compile(r"\s*\([^()\d]{0,30}")
_RANGE = re.compile(r"(?<!\d)(?:19|20)\d\d\s?[-–]\s?((?:19|20)\d\d)(?!\d)")


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
    local: bool = False  # the sentence's own period that never carries ("cùng kỳ năm 2019 là ...")


class Engine:
    def __init__(self, rules: tuple[Rule, ...] | None = None, lex: Lexicon | None = None):
        self.lex = lex or load_lexicon()
        self.rules = rules if rules is not None else load_rules()
        self.reader = NumberReader(self.lex)
        self.by_code = {r.code: r for r in self.rules}
        keywords = sorted({k for r in self.rules for k in r.keywords}, key=len, reverse=True)
        self.keyword_re = re.compile("|".join(re.escape(k) for k in keywords))
        # a keyword found inside a longer one ("thuê bao" in "thuê bao điện thoại") must count too
        self._expand = {k: {j for j in keywords if j in k} for k in keywords}

    # ------------------------------------------------------------------ entry point
    def run(self, raw: str, published: dt.date | None, province: str | None) -> tuple[Prepared, list[RawMention]]:
        prep = prepare(raw)
        low = prep.low
        sentences = split_sentences(prep.text)
        if not sentences:
            return prep, []
        quantities = self.reader.scan(low)
        mention_qs = [q for q in quantities if q.role == QUANTITY and not q.delta]
        if not mention_qs:
            return prep, []
        doc = _Doc(self, prep, sentences, quantities, published, province)
        q_starts = [q.start for q in mention_qs]
        out: list[RawMention] = []
        for si, s in enumerate(sentences):
            i0 = bisect.bisect_left(q_starts, s.start)
            i1 = bisect.bisect_left(q_starts, s.end)
            if i1 > i0:
                out.extend(self._sentence(doc, si, mention_qs[i0:i1]))
        return prep, _drop_restatements(out)

    # ------------------------------------------------------------------ per sentence
    def _sentence(self, doc: "_Doc", si: int, qs: list[Quantity]) -> list[RawMention]:
        low = doc.low
        s = doc.sentences[si]
        found = set()
        for k in set(self.keyword_re.findall(low, s.start, s.end)):
            found |= self._expand[k]
        if not found:
            return []
        rules = [r for r in self.rules if not found.isdisjoint(r.keywords)]
        scopes = None
        out: list[RawMention] = []
        respectively = self._respectively(low, s, qs)
        for q in qs:
            best = None
            for rule in rules:
                score = self._match(rule, low, s, q)
                if score is not None and (best is None or score > best[0]):
                    best = (score, rule)
            if best is None:
                rule = (self._share_of(out, q, s) or self._coverage_of(low, s, q) or self._rate_of(low, s, q)
                        or self._revenue_of(low, s, q) or respectively.get(q.start))
                if rule is None:
                    continue
            else:
                rule = best[1]
            if doc.blocked(q) or self._flow_before_total(low, s, q):
                continue
            if scopes is None:
                scopes = self._scopes(doc.prep.text, low, s, doc.own)
            if not self._in_scope(scopes, q, low, s, ranking=rule.unit in _RANKINGS, own=doc.own,
                                  default="district" if doc.about_district else doc.lead_scope):
                log.debug("out of scope: %s %r", rule.code, low[q.start:q.end])
                continue
            target = doc.in_target_block(si) or self._is_target(low, s, q, doc.first_figure(s))
            year, source = self._year(doc, si, q, target)
            if not target and doc.published and year and source == "explicit" and year > doc.published.year:
                target = True
            value, denom = _value(rule, q)
            m = RawMention(rule, q, value, denom, q.qualifier, target, year, source, s)
            out.append(m)
            d = self._derived(low, s, q, m)
            if d is not None:
                out.append(d)
        return out

    def _respectively(self, low: str, s: Sentence, qs: list[Quantity]) -> dict[int, Rule]:
        """"Số thuê bao di động và thuê bao Internet lần lượt là 1,2 triệu và 300 nghìn": the i-th
        figure after "lần lượt" belongs to the i-th item named before it, read by the rules' cues."""
        m = self.lex.respectively.search(low, s.start, s.end)
        if m is None:
            return {}
        figures = [q for q in qs if q.start >= m.end()]
        start = max([b + 1 for b in s.clause_bounds if b < m.start()] + [s.start])
        items, pos = [], start
        for sep in self.lex.list_separators.finditer(low, start, m.start()):
            items.append((pos, sep.start()))
            pos = sep.end()
        items.append((pos, m.start()))
        if len(items) != len(figures):
            return {}
        bound = {}
        for (a, b), q in zip(items, figures):
            best = None
            for rule in self.rules:
                if q.kind not in rule.shapes or not rule.value_ok(_value(rule, q)[0], q.integral):
                    continue
                if rule.context_require is not None and not _context_ok(
                        rule.context_require, rule.context_against, low, s, q, rule.context_within):
                    continue
                if any(x.search(low, s.start, s.end) for x in rule.exclude_sentence):
                    continue
                for p in rule.patterns:
                    cue = p.before.search(low, a, b) if p.before is not None and p.after is None else None
                    if cue and p.context_require is not None and not _context_ok(
                            p.context_require, p.context_against, low, s, q, p.context_within):
                        continue
                    if cue and (best is None or len(cue.group("cue")) > best[0]):
                        best = (len(cue.group("cue")), rule)
            if best is not None:
                bound[q.start] = best[1]
        return bound

    def _share_of(self, earlier: list[RawMention], q: Quantity, s: Sentence) -> Rule | None:
        """"2.034/2.076 thôn có sóng di động, đạt 97,98%": a percent equal to the ratio of the
        fraction just before it is that fraction's share indicator (rule field share_indicator)."""
        if q.kind != "percent":
            return None
        for m in reversed(earlier):
            if m.q.end > q.start or m.denominator is None or not m.rule.share_indicator:
                continue
            if any(m.q.end <= b < q.start for b in s.clause_bounds):
                return None
            share = self.by_code.get(m.rule.share_indicator)
            if share is not None and abs(100 * m.value / m.denominator - q.value) <= 1.0:
                return share
            return None
        return None

    def _coverage_of(self, low: str, s: Sentence, q: Quantity) -> Rule | None:
        """"cáp quang đến 100% xã; 98,2% thôn", "100% xã có sóng di động": the coverage grammar of
        _lexicon.yaml names the area by the noun next to the percent and the service by the
        nearest cue of the clause, or the last one of the sentence before it."""
        cov = self.lex.coverage
        if cov is None or q.kind not in ("percent", "fraction"):
            return None
        table = cov.indicators if q.kind == "percent" else cov.count_indicators
        start, end = _clause(s, q.start)
        if cov.negation.search(low, max(start, q.qstart - 40), q.qstart):
            return None
        m = cov.area_after.match(low, q.end, end)
        if m is not None:
            area, area_end = cov.area_of(m), m.end()
        elif q.kind == "fraction":
            return None
        else:  # "tỷ lệ thôn được phủ sóng di động đạt 100%": the area is the rate's subject
            rate = None
            for rate in self.lex.rate_words.finditer(low, start, q.qstart):
                pass
            subject = cov.area_re.match(low, rate.end(), q.qstart) if rate else None
            if subject is not None:
                area, area_end = cov.area_of(subject), subject.end()
                if cov.service_re.search(low, area_end, q.qstart) is None:
                    return None  # the rate's predicate names no service
            else:  # "cáp quang tới trung tâm xã đạt 100%": the area right before the verb
                subject = cov.area_before_verb.search(low, start, q.qstart)
                if subject is None:
                    return None
                area, area_end = cov.area_of(subject), subject.end()
        stop = cov.item_end.search(low, area_end, end)
        window_end = (stop.start() if stop and stop.start() > area_end else end) if area_end > q.end else q.qstart
        named = list(cov.service_re.finditer(low, area_end, window_end))
        after = next((x for x in named if x.lastgroup not in cov.weak_services
                      and low.count("(", area_end, x.start()) <= low.count(")", area_end, x.start())),
                     named[0] if named else None)  # a cue inside "(bao gồm ...)" does not override
        before = [x for x in cov.service_re.finditer(low, start, q.qstart)]
        pick = after if after else before[-1] if before else None
        if pick is None:
            earlier = list(cov.service_re.finditer(low, s.start, start))
            pick = earlier[-1] if earlier else None
        if pick is None:
            return None
        family = pick.lastgroup
        lo, hi = max(s.start, pick.start() - 12), min(s.end, pick.end() + 12)
        cut = self.lex.phrase_separators.search(low, pick.end(), hi)  # the cue's own phrase only
        for sep in self.lex.phrase_separators.finditer(low, lo, pick.start()):
            if not (_TECH_END.search(low, lo, sep.start()) and _TECH_START.match(low, sep.end())):
                lo = sep.end()  # "5G, đảm bảo phủ sóng": another phrase; "3G, 4G": one list
        around = low[lo:cut.start() if cut else hi]
        for variant, base, only, others in cov.technologies:
            if family == base and only.search(around) and not others.search(around):
                family = variant
                break
        code = table.get((family, area))
        return self.by_code.get(code) if code else None

    def _rate_of(self, low: str, s: Sentence, q: Quantity) -> Rule | None:
        """"hơn 2 triệu thuê bao điện thoại, đạt 105,9 thuê bao/100 người dân": a rate per 100
        people belongs to the nearest service named before it in its clause (_lexicon.yaml per_100)."""
        rates = self.lex.per_100
        if rates is None or not (q.kind == "per100" or (q.kind == "percent" and rates.percent_of
                                                         and rates.percent_of.match(low, q.end))):
            return None
        start, _ = _clause(s, q.start)
        cue = None
        for m in rates.cue_re.finditer(low, start, q.qstart):
            gap = low[m.end():q.qstart]
            if gap.count(")") <= gap.count("("):  # not a breakdown in parentheses closed before the rate
                cue = m
        if cue is None:
            return None
        code = rates.indicators.get(cue.lastgroup)
        return self.by_code.get(code) if code else None

    def _revenue_of(self, low: str, s: Sentence, q: Quantity) -> Rule | None:
        """"Về lĩnh vực bưu chính, viễn thông, tổng doanh thu hơn 2.500 tỷ đồng": an amount after
        "doanh thu" belongs to the sector named nearest before it in its clause (_lexicon.yaml revenue)."""
        rev = self.lex.revenue
        if rev is None or q.kind != "money":
            return None
        start, _ = _clause(s, q.start)
        named = None
        for named in rev.require.finditer(low, max(start, q.qstart - 120), q.qstart):
            pass
        if named is None or (rev.against and rev.against.search(low, named.end(), q.qstart)):
            return None
        sector = None
        for sector in rev.cue_re.finditer(low, start, q.qstart):
            pass
        code = rev.indicators.get(sector.lastgroup) if sector else None
        return self.by_code.get(code) if code else None

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
                if m:
                    if p.after is None and not self._noun_agrees(m.group("cue"), low, q, s):
                        continue  # "trạm ... có 1.491 cột ăng ten": the number heads another noun
                    score += len(m.group("cue")) + 1
                elif p.loose is not None:
                    m = p.loose.search(low, bstart, q.qstart)
                    if not m or not self._same_phrase(m.group("cue"), m.group("gap"), low, q, s):
                        continue
                    score += (len(m.group("cue")) + 1) / 2  # a cue next to its number wins
                else:
                    continue
            if p.after is not None:
                m = p.after.match(low, q.end, aend)
                if not m:
                    continue
                score += len(m.group("cue")) + 1
            if p.context_require is not None and not _context_ok(p.context_require, p.context_against, low, s, q,
                                                                 p.context_within):
                continue
            if best is None or score > best:
                best = score
        if best is None:
            return None
        for x in rule.exclude_before:
            if x.search(low, max(s.start, q.qstart - _BEFORE_WINDOW), q.qstart):
                return None
        for x in rule.exclude_after:
            if x.match(low, q.end, aend):
                return None
        for x in rule.exclude_sentence:
            if x.search(low, s.start, s.end):
                return None
        if rule.context_require is not None and not _context_ok(rule.context_require, rule.context_against, low, s, q,
                                                                rule.context_within):
            return None
        return best + rule.priority

    def _same_phrase(self, cue: str, gap: str, low: str, q: Quantity, s: Sentence) -> bool:
        """A cue reaching its number across other words: the words name no other counted thing,
        and the noun after the number, if any, is of the cue's kind."""
        lex = self.lex
        place = lex.province_names.match(gap.lstrip())  # "Tổng số điểm DTI Đà Nẵng đạt được là ..."
        rest = gap.lstrip()[place.end():] if place else gap
        if not lex.phrase_break.match(rest) or lex.head_noun_re.search(gap):
            return False
        if any(lex.scope_kind[m.group(0)] != "province" for m in lex.scope_words.finditer(gap)):
            return False
        return self._noun_agrees(cue, low, q, s)

    def _noun_agrees(self, cue: str, low: str, q: Quantity, s: Sentence) -> bool:
        """The noun after a count, if any, is of the cue's kind ("1.918 trạm" for a station cue)."""
        if q.kind not in ("count", "fraction"):
            return True
        lex = self.lex
        after = lex.noun_lead.match(low, q.end, min(s.end, q.end + 40))
        if after is None:
            return True
        m = lex.head_noun_re.match(low, after.end())
        if m is None:
            return True
        return lex.head_noun_group[m.group(1)] in lex.head_groups(cue)

    # ------------------------------------------------------------------ scope
    def _scopes(self, text: str, low: str, s: Sentence, own: str | None) -> list[tuple[int, int, str]]:
        marks = []
        for m in self.lex.scope_words.finditer(low, s.start, s.end):
            kind = self.lex.scope_kind[m.group(0)]
            if kind in ("national", "province") and self.lex.scope_comparison.search(
                    low, max(s.start, m.start() - 40), m.start()):
                continue  # "cao hơn mức trung bình cả nước", "đơn vị đầu tiên trong toàn tỉnh"
            marks.append((m.start(), m.end(), kind))
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
            if self.lex.city_word.match(low, m.start(), m.start(1)):
                key = self.lex.province_key.get(low[m.start(1):end])
                if key in self.lex.central_keys:
                    kind = "province" if (own is None or key == own) else "other"
            marks.append((m.start(), end, kind))
        for m in self.lex.province_names.finditer(low, s.start, s.end):
            if any(a <= m.start() < b for a, b in districts):
                continue  # "thành phố Hà Giang" is a district, not the province
            if self.lex.operator_branch.search(low, max(s.start, m.start() - 20), m.start()):
                marks.append((m.start(), m.end(), "operator"))  # "Viettel Hà Giang" is an operator's branch
                continue
            key = self.lex.province_key[m.group(1)]
            pre_start = max(s.start, m.start() - 12)
            if own is not None and key != own:
                if self.lex.province_prefix.search(low, pre_start, m.start()):
                    marks.append((m.start(), m.end(), "other"))
            elif own is not None or self.lex.province_word.search(low, pre_start, m.start()):
                marks.append((m.start(), m.end(), "province"))
        marks.sort()
        return marks

    def _in_scope(self, scopes, q: Quantity, low: str, s: Sentence, ranking: bool = False,
                  own: str | None = None, default: str | None = None) -> bool:
        """The nearest scope marker before the figure decides; with none, the article's own subject
        (`default`: "district" for an article titled after a district or city of the province)."""
        if ranking:
            return self._ranked_here(low, s, q, own)
        nearest = default
        for start, end, kind in scopes:
            if end <= q.qstart:
                nearest = kind
            elif start >= q.end:
                # a marker in the figure's own phrase ("... trạm BTS của cả nước")
                gap = low[q.end:start]
                if len(gap) < 60 and not self.lex.phrase_separators.search(gap) and kind in ("national", "district", "other", "operator"):
                    return False
                break
        return nearest in (None, "province")

    def _flow_before_total(self, low: str, s: Sentence, q: Quantity) -> bool:
        """"phát triển được 1.133.712 thuê bao, nâng tổng số thuê bao ... lên 2.584.060": the first
        figure is the year's growth; the total follows."""
        m = self.lex.flow_to_total.search(low, q.end, min(s.end, q.end + 120))
        return m is not None and not _DIGIT.search(low, q.end, m.start())

    def _lead_scope(self, low: str, own: str | None) -> str | None:
        """"VTV.vn - ... tổng số thuê bao di động trong nước là ...", "Với Viettel, ...": a lead that
        speaks of the nation or of one operator, and never names the article's province (any province,
        when it is not known), sets the scope of the sentences that name none."""
        lead = low[:_LEAD_CHARS]
        if any(own is None or self.lex.province_key[m.group(1)] == own
               for m in self.lex.province_names.finditer(lead)):
            return None
        kinds = {self.lex.scope_kind[m.group(0)] for m in self.lex.scope_words.finditer(lead)}
        if "province" in kinds:
            return None
        for kind in ("operator", "national"):
            if kind in kinds:
                return kind
        return None

    def _titled_after_district(self, text: str, own: str | None) -> bool:
        """"TP Hạ Long: Xây dựng xã hội số": the article's title names a district or a city of the
        province (not the province, not a province-level city) as its subject."""
        title = text[:text.find("\n")] if "\n" in text[:300] else text[:160]
        m = self.lex.district_named.match(title.strip())
        if m is None:
            return False
        name = normalise_phrase(m.group(1))
        key = self.lex.province_key.get(name)
        return key is None or (key != own and key not in self.lex.central_keys)

    def _ranked_here(self, low: str, s: Sentence, q: Quantity, own: str | None) -> bool:
        """A rank or an index score is the province's unless its clause names another province or
        a district: "cả nước" there is the ranking's field, not the figure's scope."""
        start, end = _clause(s, q.start)
        for m in self.lex.province_names.finditer(low, start, end):
            key = self.lex.province_key[m.group(1)]
            if own is None or key == own:
                continue
            if m.end() <= q.qstart and q.qstart - m.end() < 120:
                return False  # "Đà Nẵng, TP.HCM ... lần lượt xếp thứ 2"
            if m.start() >= q.end and not self.lex.phrase_separators.search(low, q.end, m.start()):
                return False  # "xếp thứ 2 là TP.HCM"
        for m in self.lex.scope_words.finditer(low, start, q.qstart):
            if self.lex.scope_kind[m.group(0)] in ("district", "operator"):
                return False
        return not self.lex.ranking_foreign.search(low, max(start, q.qstart - 60), q.qstart)

    # ------------------------------------------------------------------ targets
    def _is_target(self, low: str, s: Sentence, q: Quantity, first_figure: int | None = None) -> bool:
        """A target cue before the figure in its clause, or one heading the sentence's figures
        ("Phấn đấu năm 2025: 100% xã ...; 80% hộ ...")."""
        clause_start = s.start
        for b in s.clause_bounds:
            if b < q.start:
                clause_start = b
        heads_list = first_figure if first_figure is not None else s.start + 15
        last = None
        for m in self.lex.target_cues.finditer(low, s.start, q.start):
            if self.lex.target_cue_names.search(low, max(s.start, m.start() - 60), m.start()):
                continue  # a meeting's name, or a result ("giúp nâng tỷ lệ ...")
            if m.start() >= clause_start or m.start() - s.start <= 15:
                last = m
            elif m.start() < heads_list and not self.lex.past_words.search(low, s.start, q.qstart):
                last = m  # a goal heading the sentence's list, with nothing reported as done after it
        if last is None:
            return False
        if self.lex.achieved_cues.search(low, last.end(), q.qstart):
            return False
        return True

    # ------------------------------------------------------------------ time
    def _time_marks(self, low: str, start: int, end: int, dates: list[Quantity], published) -> list[TimeMark]:
        """Years, dates and relative time words in low[start:end], in order."""
        marks: list[TimeMark] = []
        for m in _YEAR_RE.finditer(low, start, end):
            p = m.start()
            ctx = low[max(0, p - 40):p]
            if re.search(r"\d/\s?\Z", ctx):
                continue  # part of a date: read with the date
            ignored = bool(self.lex.time_ignore_before.search(ctx))
            comparison = bool(self.lex.comparison_before.search(ctx))
            local = bool(self.lex.local_period_before.search(ctx))
            marks.append(TimeMark(p, m.end(), "explicit", int(m.group(1)), ignored, comparison, local))
        for q in dates:
            if q.date_year is not None:
                year = q.date_year
            elif published is not None:
                year = published.year - 1 if (q.date_month or 0) > published.month else published.year
            else:
                year = None
            ignored = bool(self.lex.document_date_before.search(low, max(0, q.start - 60), q.start))
            marks.append(TimeMark(q.start, q.end, "date" if q.date_year else "date_inferred", year, ignored))
        for m in self.lex.relative_time.finditer(low, start, end):
            compared = bool(self.lex.comparison_before.search(low, max(0, m.start() - 40), m.start()))
            marks.append(TimeMark(m.start(), m.end(), self.lex.relative_kind[m.group(1)], None, False, compared))
        for m in self.lex.now_word.finditer(low, start, end):
            marks.append(TimeMark(m.start(), m.end(), "doc", None, False))
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

    def _year(self, doc: "_Doc", si: int, q: Quantity, target: bool) -> tuple[int | None, str]:
        s = doc.sentences[si]
        in_sentence = doc.marks(si)
        published = doc.published
        if target:
            heading = doc.target_heading(si)
            if heading is None:
                heading = doc.target_paragraph(si)
            scope = in_sentence + (doc.marks(heading) if heading is not None else [])
            years = [m.year for m in scope if m.kind in ("explicit", "date") and m.year and not m.comparison]
            if years:
                return max(years), "explicit"
            if any(m.kind == "next" for m in in_sentence):
                return (published.year + 1, "inferred") if published else (None, "none")
            if published is not None:
                return published.year, "inferred"
            return (doc.doc_year, "inferred") if doc.doc_year else (None, "none")
        clause_end = s.end
        for b in s.clause_bounds:
            if b >= q.end:
                clause_end = b
                break
        compared = [m for m in in_sentence if m.end <= q.qstart and m.comparison and m.year]
        if compared and _IN_PARENTHESES_AFTER.fullmatch(doc.low, compared[-1].end, q.qstart):
            return compared[-1].year, "explicit"  # "tăng 3 hạng so với năm 2021 (xếp hạng 23)": 2021's rank
        clause_start, _ = _clause(s, q.start)
        before = [m for m in in_sentence if m.end <= q.qstart and not (m.ignored or m.comparison) and m.kind != "next"
                  and not (m.local and m.start < clause_start)]  # "cùng kỳ năm 2019 là ..." holds for its clause
        if before:
            return self._resolve(before[-1], published, doc.doc_year)
        after = [m for m in in_sentence if q.end <= m.start < clause_end and not (m.ignored or m.comparison or m.local)
                 and m.kind != "next"]
        if after:
            return self._resolve(after[0], published, doc.doc_year)
        carried = doc.carried_year(si)
        if carried is not None:
            return carried, "inferred"
        if doc.doc_year is not None:
            return doc.doc_year, "inferred"
        return None, "none"

    def _doc_default_year(self, low: str, published: dt.date | None) -> int | None:
        """The period an article reports when a figure names none: a year set in its lead, else the
        publication year, or the year before for a review published in January (or, with a review
        cue, in February or March)."""
        lead = self._lead_year(low, published)
        if lead is not None:
            return lead
        if published is None:
            return None
        if published.month <= 3 and self.lex.review_cues.search(low):
            return published.year - 1
        if published.month == 1 and self._speaks_of_last_year(low, published.year):
            return published.year - 1
        return published.year

    def _speaks_of_last_year(self, low: str, year: int) -> bool:
        """Early in January an article naming last year more often than this one (or a period that
        ends last year: "giai đoạn 2021-2025") reports the year just closed."""
        counts = {year - 1: 0, year: 0}
        counts[year - 1] += sum(1 for m in _RANGE.finditer(low) if int(m.group(1)) == year - 1)
        for m in _YEAR_RE.finditer(low):
            y = int(m.group(1))
            ctx = low[max(0, m.start() - 40):m.start()]
            if y not in counts or self.lex.comparison_before.search(ctx) or self.lex.date_before_year.search(ctx):
                continue
            if not self.lex.time_ignore_before.search(ctx):
                counts[y] += 1
        return counts[year - 1] > counts[year]

    def _lead_year(self, low: str, published: dt.date | None) -> int | None:
        """The period the article announces: a year in its first sentence ("Quảng Nam có hơn 2.000
        trạm ... đến năm 2018"), or a lead sentence opening on one ("Trong năm 2023, Sở ...")."""
        first = _SENTENCE_END.search(low, 0, _LEAD_CHARS)
        spans = [(m.start(1), m.end(1)) for m in self.lex.frame_opener.finditer(low, 0, _LEAD_CHARS)]
        spans += [(0, first.start() if first else min(len(low), _LEAD_CHARS))]
        for start, end in spans:
            for m in _YEAR_RE.finditer(low, start, end):
                ctx = low[max(0, m.start() - 40):m.start()]
                if (self.lex.date_before_year.search(ctx) or _DATE_AFTER.match(low, m.end())
                        or self.lex.time_ignore_before.search(ctx)):
                    continue  # a date line, a plan's name
                if self.lex.comparison_before.search(ctx) or self.lex.local_period_before.search(ctx):
                    continue
                sentence_start = max(low.rfind(". ", 0, m.start()), low.rfind("\n", 0, m.start()), 0)
                if self.lex.target_cues.search(low, sentence_start, m.start()):
                    continue
                year = int(m.group(1))
                if published is not None and not (published.year - 3 <= year <= published.year):
                    continue
                return year
        return None

    # ------------------------------------------------------------------ deltas
    def _derived(self, low, s, q, m: RawMention) -> RawMention | None:
        """"939 trạm BTS (tăng 33 trạm so với năm 2019)" -> 906 in 2019."""
        if m.rule.unit != "count" or m.denominator is not None or m.target:
            return None
        window = low[q.end:min(s.end, q.end + 90)]
        dm = self.lex.derived_change.match(window)
        if not dm:
            return None
        parsed = parse_vn_number(dm.group("change"))
        if parsed is None:
            return None
        delta = parsed[0] if dm.group("direction") == self.lex.increase else -parsed[0]
        prior = m.value - delta
        if prior < 0 or not m.rule.value_ok(prior, True):
            return None
        return RawMention(m.rule, q, prior, None, m.qualifier, False, int(dm.group("year")), "explicit", s)

def _clause(s: Sentence, pos: int) -> tuple[int, int]:
    """The span of the clause (between ';') of the sentence that holds `pos`."""
    start, end = s.start, s.end
    for b in s.clause_bounds:
        if b < pos:
            start = b + 1
        else:
            end = b
            break
    return start, end


def _context_ok(require, against, low: str, s: Sentence, q: Quantity, within: str = "sentence") -> bool:
    """The figure's sentence (or clause) mentions `require`, nearer to the figure than any `against`.
    With `within` "document", `require` may stand anywhere in the article (a DTI article names the
    index once and ranks below), but an `against` in the sentence itself still wins."""
    start, end = _clause(s, q.start) if within == "clause" else (s.start, s.end)
    req = [m.start() for m in require.finditer(low, start, end)]
    if not req:
        if within != "document" or not require.search(low):
            return False
        if against is None:
            return True
        # no other index named before the figure in its sentence, nor after it before the next figure
        nxt = _DIGIT.search(low, q.end + 1, end)
        return not against.search(low, start, nxt.start() if nxt else end)
    if against is None:
        return True
    nxt = _DIGIT.search(low, q.end + 1, end)  # another index named after the figure speaks of the next one
    other = [m.start() for m in against.finditer(low, start, nxt.start() if nxt else end)]
    return not other or min(abs(x - q.start) for x in req) <= min(abs(x - q.start) for x in other)


def _norm_name(name: str, prefixes: tuple[str, ...]) -> str:
    n = normalise_phrase(name).strip()
    for prefix in prefixes:
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


class _Doc:
    """What the engine knows about one article; computed lazily, since most sentences hold no figure."""

    def __init__(self, engine: Engine, prep: Prepared, sentences: list[Sentence], quantities: list[Quantity],
                 published: dt.date | None, province: str | None):
        self.engine = engine
        self.lex = engine.lex
        self.prep = prep
        self.low = prep.low
        self.sentences = sentences
        self.published = published
        self.dates = [q for q in quantities if q.role == DATE]
        self.figure_starts = [q.start for q in quantities if q.role == QUANTITY]
        self.date_starts = [q.start for q in self.dates]
        self.doc_year = engine._doc_default_year(self.low, published)
        self.own = self.lex.province_key.get(_norm_name(province, self.lex.name_prefixes)) if province else None
        self.about_district = engine._titled_after_district(prep.text, self.own)
        self.lead_scope = engine._lead_scope(self.low, self.own)
        self._marks: dict[int, list[TimeMark]] = {}
        self._frames: dict[int, int | None] = {}
        self._goal_of: dict[int, int | None] = {}

    def marks(self, si: int) -> list[TimeMark]:
        got = self._marks.get(si)
        if got is None:
            s = self.sentences[si]
            i0 = bisect.bisect_left(self.date_starts, s.start)
            i1 = bisect.bisect_left(self.date_starts, s.end)
            got = self.engine._time_marks(self.low, s.start, s.end, self.dates[i0:i1], self.published)
            self._marks[si] = got
        return got

    def frame_year(self, si: int) -> int | None:
        """The last period a non-target sentence speaks of, for the sentences after it."""
        if si in self._frames:
            return self._frames[si]
        s = self.sentences[si]
        year = None
        if not self.lex.target_cues.search(self.low, s.start, s.end):
            for m in self.marks(si):
                if m.ignored or m.comparison or m.local or m.kind == "next":
                    continue
                y, _ = self.engine._resolve(m, self.published, self.doc_year)
                if y is not None:
                    year = y
        self._frames[si] = year
        return year

    def carried_year(self, si: int) -> int | None:
        """From an earlier sentence of the same paragraph, else from the nearest heading above."""
        line = self.sentences[si].line_index
        j = si - 1
        while j >= 0 and self.sentences[j].line_index == line:
            y = self.frame_year(j)
            if y is not None:
                return y
            j -= 1
        steps = 0
        while j >= 0 and steps < 200:
            if self.sentences[j].is_heading:
                y = self.frame_year(j)
                if y is not None:
                    return y
            j -= 1
            steps += 1
        return None

    def in_target_block(self, si: int) -> bool:
        return self.target_heading(si) is not None or self.target_paragraph(si) is not None

    def _ends_in_goal(self, k: int) -> bool:
        """The sentence opens on a goal with a figure ("Mục tiêu cụ thể, ...", "Theo kế hoạch, mục
        tiêu đến năm 2025 ..."), or continues one."""
        prev = self.sentences[k]
        goal = self.lex.target_cues.search(self.low, prev.start, prev.end)
        if goal and goal.start() - prev.start <= _GOAL_OPENING and self._figure_between(goal.end(), prev.end):
            return not self.lex.achieved_cues.search(self.low, prev.start, prev.end)
        return self._goal_of.get(k) is not None

    def first_figure(self, s: Sentence) -> int | None:
        i = bisect.bisect_left(self.figure_starts, s.start)
        return self.figure_starts[i] if i < len(self.figure_starts) and self.figure_starts[i] < s.end else None

    def _figure_between(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.figure_starts, start)
        return i < len(self.figure_starts) and self.figure_starts[i] < end

    def target_paragraph(self, si: int) -> int | None:
        """"Theo Kế hoạch, mục tiêu đến năm 2025 ... đạt 100%. Tỷ lệ hộ gia đình ... đạt 80%.": the
        goals go on in the sentences after a goal sentence of the same paragraph, until one
        reports a result or names a period of its own."""
        low, lex = self.low, self.lex
        chain, j, found = [], si, None
        while True:  # walk back through the paragraph; each sentence is decided once
            if j in self._goal_of:
                found = self._goal_of[j]
                break
            chain.append(j)
            s = self.sentences[j]
            if lex.achieved_cues.search(low, s.start, s.end) or any(
                    m.kind in ("explicit", "date") and not (m.ignored or m.comparison) for m in self.marks(j)):
                break
            k = j - 1
            if k < 0:
                break
            if self.sentences[k].line_index != s.line_index:
                # a plan's list of goals goes on in the next paragraph, unless this one reports
                if lex.past_words.search(low, s.start, s.end) or not self._ends_in_goal(k):
                    break
            prev = self.sentences[k]
            if lex.achieved_cues.search(low, prev.start, prev.end):
                break
            goal = lex.target_cues.search(low, prev.start, prev.end)
            if goal and self._figure_between(goal.end(), prev.end):  # a goal, not a meeting's name
                found = k
                break
            j = k
        for c in chain:
            self._goal_of[c] = found
        return self._goal_of[si]

    def target_heading(self, si: int) -> int | None:
        """The sentence heading a bullet list of goals ("Mục tiêu đến năm 2025:"), if any."""
        s = self.sentences[si]
        j = si - 1
        while j >= 0 and self.sentences[j].line_index == s.line_index:
            j -= 1
        bullet = _BULLET.match(self.low, s.line_start) is not None
        while j >= 0:
            prev = self.sentences[j]
            text = self.low[prev.start:prev.end]
            if text.rstrip().endswith(":"):
                return j if self.lex.target_cues.search(text) else None
            if not (bullet and _BULLET.match(self.low, prev.line_start)):
                return None
            j -= 1
        return None

    def blocked(self, q: Quantity) -> bool:
        """Page furniture: visitor counters, contact footers, phone numbers, links."""
        low = self.low
        ls = low.rfind("\n", 0, q.start) + 1
        le = low.find("\n", q.end)
        le = len(low) if le < 0 else le
        if le - ls < 400 and self.lex.furniture_lines.match(low, ls, le):
            return True
        for m in self.lex.blocked_spans.finditer(low, max(ls, q.start - 60), min(le, q.end + 60)):
            if m.start() <= q.start < m.end():
                return True
        return False
