"""Reading numbers the Vietnamese way: '.' groups thousands, ',' marks decimals, words give
magnitudes, and "x/y" is a fraction unless it is a date or a document number. The words (units,
magnitudes, currencies) come from the lexicon's `units`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_PLAIN = re.compile(r"\d+(?:,\d+)?")
_DOT_DECIMAL = re.compile(r"\d+\.\d{1,2}")
_EN_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?")


def parse_vn_number(s: str) -> tuple[float, bool] | None:
    """Value of a Vietnamese-formatted number and whether it used a dot as decimal point
    (an English habit, trusted only next to '%' or a magnitude word). None if malformed."""
    if len(s) > 24:
        return None  # no indicator has 20 digits; such runs are codes or junk
    if _THOUSANDS.fullmatch(s):
        return float(s.replace(".", "").replace(",", ".")), False
    if _PLAIN.fullmatch(s):
        int_part = s.split(",", 1)[0]
        if len(int_part) > 1 and int_part[0] == "0":
            return None  # phone numbers, codes
        return float(s.replace(",", ".")), False
    if _EN_THOUSANDS.fullmatch(s):
        return float(s.replace(",", "")), False
    if _DOT_DECIMAL.fullmatch(s):
        if len(s.split(".")[0]) > 1 and s[0] == "0":
            return None
        return float(s), True
    return None


# Roles of a numeric token: only 'quantity' tokens can become figures.
QUANTITY, LABEL, DATE, YEAR, DOC, DURATION, BLOCKED = "quantity", "label", "date", "year", "doc", "duration", "blocked"


@dataclass
class Quantity:
    start: int                 # the figure: first digit ...
    end: int                   # ... to the end of its unit or magnitude word ("274 tỷ đồng", "98,89%")
    role: str
    kind: str = "count"        # count | percent | money | fraction | per100
    value: float = 0.0
    denominator: float | None = None
    qualifier: str = "exact"
    qstart: int = 0            # start including the qualifier words ("ước đạt trên 274 tỷ đồng")
    delta: bool = False        # a change ("tăng 33 trạm"), not a level
    integral: bool = True
    date_year: int | None = None
    date_month: int | None = None
    extra: dict = field(default_factory=dict)


_TOKEN = re.compile(r"(?<![\w.,/\-])(\d[\d.,]*\d|\d)(?:/(\d[\d.,]*\d|\d))?(?:/(\d{1,4}))?")
_PER100_STOP = re.compile(r"[;.()\n]|, ")
_ZERO_PADDED = re.compile(r"0[1-9]")


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _Units:
    """The lexicon's `units`, compiled: what may follow a number's digits."""

    def __init__(self, d: dict):
        self.magnitudes = {k: float(v) for k, v in d["magnitudes"].items()}
        self.vnd = set(d["vnd"]) | set(d["vnd_after_magnitude"])
        currencies = _alt(d["vnd"] + d["vnd_after_magnitude"] + d["foreign_currency"])
        self.after = re.compile(
            rf"\s?({_alt(d['percent'])})|\s+({_alt(self.magnitudes)})(?!\w)(?:\s*({currencies})(?!\w))?"
            rf"|\s*({_alt(d['vnd'])})(?!\w)|\s*({_alt(d['foreign_currency'])})")
        # "/100" needs no space; a word ("trên 100", "per 100") stands alone
        per = "|".join(re.escape(w) if not w[0].isalnum() else rf"\b{re.escape(w)}\s" for w in d["per"])
        people = _alt(d["people"])
        self.per100 = re.compile(rf"(?:{per})\s?100\s*(?:{people})")
        # "mật độ điện thoại/100 dân đạt 140 thuê bao": the rate's unit stands before the figure
        self.per100_before = re.compile(rf"(?:{per})\s?100\s*(?:{people})[^;.,\d()]{{0,40}}\Z")
        self.per_before_hundred = re.compile(rf"(?:{'|'.join(re.escape(w) for w in d['per'])})\s*\Z")
        self.people = re.compile(rf"\s*(?:{people})")
        self.fraction_join = re.compile(rf"\s*(?:{_alt(d['fraction_joins'])})\s*")
        self.list_join = re.compile(rf"\s*(?:{_alt(d['list_joins'])})\s*")


def _valid_day_month(d: float, m: float) -> bool:
    return d == int(d) and m == int(m) and 1 <= d <= 31 and 1 <= m <= 12


class NumberReader:
    """Finds numeric tokens in lower-cased text and decides what each one is."""

    def __init__(self, lex):
        self.lex = lex
        self.units = _Units(lex.units)

    def scan(self, low: str, start: int = 0, end: int | None = None) -> list[Quantity]:
        end = len(low) if end is None else end
        out: list[Quantity] = []
        for m in _TOKEN.finditer(low, start, end):
            q = self._classify(low, m)
            if q is None:
                continue
            if out and q.role == QUANTITY:
                q = self._chain(low, out, q)
            out.append(q)
        ordinals = self.lex.ordinals
        if ordinals is not None:
            extra = []
            for m in ordinals.pattern.finditer(low, start, end):
                g = 1 if m.group(1) else m.lastindex  # the number word, or "đầu" (first)
                extra.append(Quantity(m.start(g), m.end(g), QUANTITY, value=float(ordinals.value(m.group(g))),
                                      qstart=m.start(g)))
            if extra:
                out = sorted(out + extra, key=lambda q: q.start)
        return out

    def _classify(self, low: str, m: re.Match) -> Quantity | None:
        a_s, b_s, c_s = m.group(1), m.group(2), m.group(3)
        s, e = m.start(), m.end()
        nxt = low[e:e + 2]
        u = self.units
        if a_s == "100" and b_s is None and u.people.match(low, e) and u.per_before_hundred.search(low, max(0, s - 8), s):
            return Quantity(s, e, LABEL)  # the 100 of "thuê bao/100 dân", not a figure
        a = parse_vn_number(a_s)
        if a is None and b_s is None and _ZERO_PADDED.fullmatch(a_s) and low[e:e + 1] == " ":
            a = (float(a_s), False)  # "07 doanh nghiệp": a count written the official way
        if a is None:
            return Quantity(s, e, BLOCKED)
        a_val, a_dot = a
        # document numbers: 749/qđ-ttg, 12/2023/nđ-cp, 06-nq/tu
        if nxt[:1] in "/-–" and len(nxt) > 1 and nxt[1].isalpha():
            return Quantity(s, e, DOC)
        if nxt[:1].isalpha() or nxt[:1] == "_":
            return Quantity(s, e, LABEL)  # 4g, 3g, 10km
        if nxt[:1] in ".," and len(nxt) > 1 and nxt[1].isdigit():
            return Quantity(s, e, BLOCKED)
        if nxt[:1] == ":" and len(nxt) > 1 and nxt[1].isdigit():
            return Quantity(s, e, BLOCKED)
        if b_s is not None:
            b = parse_vn_number(b_s)
            if b is None:
                return Quantity(s, e, BLOCKED)
            b_val = b[0]
            if c_s is not None:
                if _valid_day_month(a_val, b_val) and len(c_s) == 4:
                    return Quantity(s, e, DATE, date_year=int(c_s), date_month=int(b_val))
                return Quantity(s, e, DOC)
            if a_val == int(a_val) and 1 <= a_val <= 12 and 1900 <= b_val <= 2100 and "." not in b_s:
                return Quantity(s, e, DATE, date_year=int(b_val), date_month=int(a_val))
            if _valid_day_month(a_val, b_val) and "." not in a_s + b_s and self.lex.date_before.search(low, max(0, s - 25), s):
                return Quantity(s, e, DATE, date_month=int(b_val))
            if b_val == 100 and u.people.match(low, e, min(len(low), e + 12)):
                q = Quantity(s, e, QUANTITY, kind="per100", value=a_val, integral=a_val == int(a_val))
                return self._qualify(low, q)
            if a_val > b_val or b_val == 0:
                if _valid_day_month(a_val, b_val):
                    return Quantity(s, e, DATE, date_month=int(b_val))
                return Quantity(s, e, BLOCKED)
            q = Quantity(s, e, QUANTITY, kind="fraction", value=a_val, denominator=b_val,
                         integral=a_val == int(a_val))
            if self.lex.label_before.match(low, s, max(0, s - 25)):
                q.role = LABEL
                return q
            return self._qualify(low, q)
        # a single number
        if (len(a_s) == 4 and a_s.isdigit() and 1900 <= a_val <= 2100 and not u.after.match(low, e)
                and not self.lex.head_noun_re.match(low, e + 1)):  # "1918 trạm" counts stations
            return Quantity(s, e, YEAR, date_year=int(a_val))
        q = Quantity(s, e, QUANTITY, value=a_val, integral=a_val == int(a_val))
        unit = u.after.match(low, e)
        if unit:
            if unit.group(1):
                q.kind, q.end = "percent", unit.end()
            elif unit.group(2):
                if unit.group(3) and unit.group(3) not in u.vnd:
                    return Quantity(s, e, LABEL)  # foreign currency: not a VND figure
                q.value *= u.magnitudes[unit.group(2)]
                q.end = unit.end()
                q.kind = "money" if unit.group(3) else "count"
                q.integral = q.value == int(q.value)
            elif unit.group(4):
                q.kind, q.end = "money", unit.end()
            elif unit.group(5):
                return Quantity(s, e, LABEL)  # foreign currency: not a VND figure
        elif a_dot:
            return Quantity(s, e, BLOCKED)  # "4.0": a version, not a decimal
        if self.lex.label_before.match(low, s, max(0, s - 25)):
            q.role = LABEL
            return q
        if q.kind == "count" and self.lex.duration_after.match(low, q.end):
            q.role = DURATION
            return q
        if q.kind == "count":
            stop = _PER100_STOP.search(low, q.end, min(len(low), q.end + 80))
            limit = stop.start() if stop else min(len(low), q.end + 80)
            if self.units.per100.search(low, q.end, limit):
                q.kind = "per100"
        if q.kind in ("count", "percent") and self.units.per100_before.search(low, max(0, q.start - 60), q.start):
            q.kind = "per100"
        return self._qualify(low, q)

    def _qualify(self, low: str, q: Quantity) -> Quantity:
        """Qualifier words right before the figure; the one nearest the number decides."""
        pos = q.start
        qualifier = None
        for _ in range(3):
            m = self.lex.qualifier_before.match(low, pos, max(0, pos - 30))
            if not m:
                break
            if qualifier is None:
                qualifier = self.lex.qualifier_kind[m[0]]
            pos = m[1]
        q.qualifier = qualifier or "exact"
        q.qstart = pos
        if self.lex.level_before.match(low, pos, max(0, pos - 20)):
            q.delta = False
        elif self.lex.delta_before.match(low, pos, max(0, pos - 25)):
            q.delta = True
        if q.qualifier == "exact":
            m = self.lex.qualifier_after.match(low, q.end, min(len(low), q.end + 60))
            if m:
                q.qualifier = self.lex.qualifier_after_kind[m.group(1)]
        return q

    def _chain(self, low: str, out: list[Quantity], q: Quantity) -> Quantity:
        prev = out[-1]
        gap = low[prev.end:q.start]
        # "mức độ 3, 4": a number listed right after a label is a label too
        if prev.role == LABEL and q.value < 10 and self.units.list_join.fullmatch(gap):
            q.role = LABEL
            return q
        # "25 trên 63", "1.634 trong tổng số 1.733": a fraction written with words
        if (prev.role == QUANTITY and prev.kind == "count" and q.kind == "count" and prev.integral and q.integral
                and self.units.fraction_join.fullmatch(gap) and 0 < prev.value <= q.value):
            prev.kind, prev.denominator, prev.end = "fraction", q.value, q.end
            q.role = LABEL
            q.extra["merged"] = True
        return q
