"""Loading the extractor's data: the shared lexicon (_lexicon.yaml), the places (_places.yaml; the
province names are the reference's, reference/provinces.csv)
and one rule file per indicator (<code>.yaml). Everything Vietnamese lives in those files."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from reference.provinces import provinces as reference_provinces

from .text import SuffixMatcher, normalise_phrase

log = logging.getLogger(__name__)

RULES_DIR = Path(__file__).with_name("rules")
DEFAULT_SHAPES = {"count": ["count"], "percent": ["percent"], "vnd": ["money"], "per_100_people": ["per100"],
                  "index": ["count"], "rank": ["fraction", "count"]}
DEFAULT_RANGE = {"percent": (0, 100), "per_100_people": (0, 400), "index": (0, 1), "rank": (1, 63),
                 "count": (0, 1e9), "vnd": (1e6, 1e16)}


# Words between a cue and its number: letters only (no digit, no clause punctuation), a few of them.
_FILLER = r"(?:[\s:|]+[^\W\d_]+){1,10}?"


class RuleError(ValueError):
    """A rule or lexicon file that cannot be used; the message names the file and the field."""


def _alt(phrases) -> str:
    """Regex alternation of phrases (regex syntax allowed), longest first so "ước đạt" beats "ước"."""
    items = sorted({normalise_phrase(p) if not _is_regex(p) else p for p in phrases}, key=len, reverse=True)
    return "|".join(items)


def _is_regex(p: str) -> bool:
    return any(c in p for c in "\\[]()?*+{}|")


def _words(phrases) -> str:
    """Alternation of literal phrases, escaped."""
    items = sorted({re.escape(normalise_phrase(p)) for p in phrases}, key=len, reverse=True)
    return "|".join(items)


@dataclass
class Lexicon:
    macros: dict[str, str]
    qualifier_before: SuffixMatcher
    qualifier_kind: dict[str, str]
    qualifier_after: re.Pattern
    qualifier_after_kind: dict[str, str]
    delta_before: SuffixMatcher
    level_before: SuffixMatcher
    label_before: SuffixMatcher
    date_before: re.Pattern
    duration_after: re.Pattern
    link: str
    scope_words: re.Pattern
    scope_kind: dict[str, str]
    district_named: re.Pattern
    target_cues: re.Pattern
    achieved_cues: re.Pattern
    time_ignore_before: re.Pattern
    relative_time: re.Pattern
    relative_kind: dict[str, str]
    review_cues: re.Pattern
    furniture_lines: re.Pattern
    blocked_spans: re.Pattern
    province_names: re.Pattern
    province_key: dict[str, str]
    central_cities: set[str]
    central_keys: set[str]
    head_noun_group: dict[str, str]
    head_noun_re: re.Pattern
    phrase_break: re.Pattern
    rate_words: re.Pattern
    derived_change: re.Pattern
    increase: str
    province_prefix: re.Pattern
    province_word: re.Pattern
    city_word: re.Pattern
    name_prefixes: tuple[str, ...]
    units: dict
    respectively: re.Pattern
    list_separators: re.Pattern
    comparison_before: re.Pattern
    now_word: re.Pattern
    document_date_before: re.Pattern
    local_period_before: re.Pattern
    operator_branch: re.Pattern
    phrase_separators: re.Pattern
    scope_comparison: re.Pattern
    ranking_foreign: re.Pattern
    past_words: re.Pattern
    target_cue_names: re.Pattern
    frame_opener: re.Pattern
    date_before_year: re.Pattern
    noun_lead: re.Pattern
    ordinals: "Ordinals | None" = None
    per_100: "Families | None" = None
    revenue: "Families | None" = None
    flow_to_total: re.Pattern | None = None
    coverage: "Coverage | None" = None

    def head_groups(self, text: str) -> set[str]:
        """The head-noun groups named in a stretch of text."""
        return {self.head_noun_group[m.group(1)] for m in self.head_noun_re.finditer(text)}

    def expand(self, pattern: str, where: str) -> str:
        def sub(m):
            name = m.group(1)
            if name == "LINK":
                return self.link
            if name not in self.macros:
                raise RuleError(f"{where}: unknown macro {{{name}}}")
            return self.macros[name]
        return re.sub(r"\{([A-Z_]+)\}", sub, pattern)


def _load_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError(f"{path.name}: expected a mapping at the top level")
    return data


def _compile(pattern: str, where: str, flags: int = 0) -> re.Pattern:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise RuleError(f"{where}: bad regex: {exc}: {pattern[:120]}") from exc


def province_keys(places: dict) -> dict[str, str]:
    """Every name of a province (the reference's, reference/provinces.csv) -> its official name, all
    normalised. A name that is a province or city word before another of its names ("thành phố hồ chí
    minh") is left out: the extractor reads those words before a name itself."""
    prefixes = tuple(normalise_phrase(w) + " " for w in [places["province_word"], *places["city_words"]])
    keys: dict[str, str] = {}
    for province in reference_provinces():
        names = [normalise_phrase(n) for n in province.names]
        for name in names:
            if not any(name.startswith(p) and name[len(p):] in names for p in prefixes):
                keys[name] = names[0]
    return keys


@lru_cache(maxsize=4)
def load_lexicon(rules_dir: Path = RULES_DIR) -> Lexicon:
    d = _load_yaml(rules_dir / "_lexicon.yaml")
    places = _load_yaml(rules_dir / "_places.yaml")
    q_kind, qa_kind = {}, {}
    for kind, words in d["qualifiers"].items():
        for w in words:
            q_kind[normalise_phrase(w)] = kind
    for kind, words in d["qualifiers_after"].items():
        for w in words:
            qa_kind[normalise_phrase(w)] = kind
    scope_kind = {}
    for kind in ("province", "national", "district_lower", "operator"):
        for w in d["scope"][kind]:
            scope_kind[normalise_phrase(w)] = "district" if kind == "district_lower" else kind
    rel_kind = {}
    for kind, words in d["time"]["relative"].items():
        for w in words:
            rel_kind[normalise_phrase(w)] = kind
    prov_key = province_keys(places)
    link_alt = _alt(d["link_words"])
    head_group = {}
    for group, words in (d.get("head_nouns") or {}).items():
        for w in words:
            head_group[normalise_phrase(w)] = group
    macros = {k: str(v) for k, v in d["macros"].items()}
    return Lexicon(
        macros=macros,
        qualifier_before=SuffixMatcher(q_kind),
        qualifier_kind=q_kind,
        qualifier_after=_compile(rf"[^;,.()\d]{{0,50}}?(?<!\w)({_words(qa_kind)})(?!\w)", "qualifiers_after"),
        qualifier_after_kind=qa_kind,
        delta_before=SuffixMatcher([normalise_phrase(w) for w in d["delta_before"]]),
        level_before=SuffixMatcher([normalise_phrase(w) for w in d["level_before"]]),
        label_before=SuffixMatcher([normalise_phrase(w) for w in d["label_before"]], trailing=" :."),
        date_before=_compile(rf"(?<!\w)(?:{d['time']['date_before']})\s*[,:]?\s*\Z", "time.date_before"),
        duration_after=_compile(rf"\s*(?:{_words(d['duration_after'])})(?!\w)", "duration_after"),
        link=rf"(?:[\s:|]*(?<!\w)(?:{link_alt})(?!\w))*[\s:|]*",
        scope_words=_compile(rf"(?<!\w)(?:{_words(scope_kind)})(?!\w)", "scope"),
        scope_kind=scope_kind,
        district_named=_compile(d["scope"]["district_named"], "scope.district_named"),
        target_cues=_compile(rf"(?<!\w)(?:{_alt(d['target_cues'])})(?!\w)", "target_cues"),
        achieved_cues=_compile(rf"(?<!\w)(?:{_alt(d['achieved_cues'])})(?!\w)", "achieved_cues"),
        time_ignore_before=_compile(rf"(?<!\w)(?:{_alt(d['time']['ignore_before'])})\s*(?:{d['time']['year_word']}\s*)?\Z",
                                    "time.ignore_before"),
        relative_time=_compile(rf"(?<!\w)({_words(rel_kind)})(?!\w)", "time.relative"),
        relative_kind=rel_kind,
        review_cues=_compile(rf"(?<!\w)(?:{_alt(d['time']['review_cues'])})(?!\w)", "time.review_cues"),
        furniture_lines=_compile("|".join(f"(?:{p})" for p in d["furniture_lines"]), "furniture_lines", re.M),
        blocked_spans=_compile("|".join(f"(?:{p})" for p in d["blocked_spans"]), "blocked_spans"),
        province_names=_compile(rf"(?<!\w)({_words(prov_key)})(?!\w)", "places"),
        province_key=prov_key,
        central_cities={normalise_phrase(c) for c in places["central_cities"]},
        central_keys={prov_key.get(normalise_phrase(c), normalise_phrase(c)) for c in places["central_cities"]},
        head_noun_group=head_group,
        head_noun_re=_compile(rf"(?<!\w)({_words(head_group)})(?!\w)", "head_nouns"),
        phrase_break=_compile(rf"[\s:|]*(?:{_words(d.get('phrase_breaks') or [])})(?!\w)", "phrase_breaks"),
        past_words=_compile(rf"(?<!\w)(?:{d['time']['past_words']})(?!\w)", "time.past_words"),
        target_cue_names=_compile(rf"(?<!\w)(?:{d['target_cue_names']})(?!\w)[^,;.]{{0,40}}\Z", "target_cue_names"),
        operator_branch=_compile(rf"(?<!\w)(?:{_words(d['operator_branch'])}) (?:{places['province_word']} )?\Z",
                                 "operator_branch"),
        scope_comparison=_compile(rf"(?<!\w)(?:{d['scope_comparison']})(?!\w)[^,;.]{{0,25}}\Z", "scope_comparison"),
        phrase_separators=_compile(d["phrase_separators"], "phrase_separators"),
        ranking_foreign=_compile(d["ranking_foreign"], "ranking_foreign"),
        local_period_before=_compile(rf"(?<!\w){d['time']['local_period_before']}\Z", "time.local_period_before"),
        document_date_before=_compile(rf"(?<!\w){d['time']['document_date_before']}\Z", "time.document_date_before"),
        now_word=_compile(rf"(?<!\w){d['time']['now_word']}(?!\w)", "time.now_word"),
        units={k: (dict(v) if isinstance(v, dict) else [normalise_phrase(w) for w in v])
               for k, v in d["units"].items()},
        respectively=_compile(rf"(?<!\w)(?:{d['respectively']})(?!\w)", "respectively"),
        list_separators=_compile(d["list_separators"], "list_separators"),
        comparison_before=_compile(rf"{d['time']['comparison_before']}\Z", "time.comparison_before"),
        frame_opener=_compile(rf"(?:^|[.\n]\s*)({d['time']['frame_opener']} (?:19|20)\d\d\s*,)", "time.frame_opener"),
        date_before_year=_compile(rf"\d[/.-]\s?\Z|(?:{d['time']['date_words']})\s*\d{{1,2}},?\s*"
                                  rf"(?:{d['time']['year_word']}\s*)?\Z", "time.date_words"),
        noun_lead=_compile(rf"\s*{d['noun_lead']}", "noun_lead"),
        rate_words=_compile(rf"(?<!\w)(?:{macros['TYLE']}) {d['noun_lead']}", "macros.TYLE"),
        derived_change=_compile(d["time"]["derived_change"], "time.derived_change"),
        increase=normalise_phrase(d["time"]["increase"]),
        province_prefix=_compile(rf"(?<!\w)(?:{_words([places['province_word']] + places['city_words'])}) ?\Z",
                                 "places.city_words"),
        province_word=_compile(rf"(?<!\w){re.escape(places['province_word'])} \Z", "places.province_word"),
        city_word=_compile(rf"(?:{_words(places['city_words'])})(?!\w)", "places.city_words"),
        name_prefixes=tuple(normalise_phrase(w) + " " for w in [places['province_word']] + places['city_words']),
        coverage=_coverage(d.get("coverage"), macros),
        ordinals=_ordinals(d.get("ordinals")),
        per_100=_families(d.get("per_100"), "per_100"),
        revenue=_families(d.get("revenue"), "revenue"),
        flow_to_total=_compile(rf"(?<!\w)(?:{d['flow_to_total']})(?!\w)", "flow_to_total"),
    )


@dataclass
class Families:
    """Cue families (named groups, listed most specific first) and the code each stands for."""

    cue_re: re.Pattern
    indicators: dict[str, str]
    require: re.Pattern | None = None     # a word that must stand before the figure ("doanh thu")
    against: re.Pattern | None = None     # ... and no other amount named after it
    percent_of: re.Pattern | None = None  # a percent followed by this is a rate too ("65% dân số")


def _families(d: dict | None, where: str) -> Families | None:
    if not d:
        return None
    cues = "|".join(f"(?P<{family}>(?<!\\w)(?:{_alt(words)})(?!\\w))" for family, words in d["services"].items())
    require = _compile(rf"(?<!\w)(?:{d['require']})(?!\w)", f"{where}.require") if d.get("require") else None
    against = _compile(rf"(?<!\w)(?:{d['against']})(?!\w)", f"{where}.against") if d.get("against") else None
    percent_of = _compile(d["percent_of"], f"{where}.percent_of") if d.get("percent_of") else None
    return Families(_compile(cues, f"{where}.services"), dict(d["indicators"]), require, against, percent_of)


@dataclass
class Ordinals:
    """Ranks written in words; group 1 of `pattern` is the word standing for the number."""

    pattern: re.Pattern
    words: dict[str, int]

    def value(self, word: str) -> int:
        return self.words.get(word, 1)


def _ordinals(d: dict | None) -> Ordinals | None:
    if not d:
        return None
    words = {normalise_phrase(k): int(v) for k, v in d["words"].items()}
    pattern = rf"(?<!\w)(?:{d['before_word']}({_words(words)})(?!\w)|{d['first']})"
    return Ordinals(_compile(pattern, "ordinals"), words)


@dataclass
class Coverage:
    """The coverage grammar of _lexicon.yaml: service cues, area nouns, and service x area -> code."""

    service_re: re.Pattern       # named groups, one per service family
    area_after: re.Pattern       # an area right after a percent
    area_re: re.Pattern          # an area anywhere (named groups, one per kind)
    indicators: dict[tuple[str, str], str]
    count_indicators: dict[tuple[str, str], str]
    technologies: list[tuple[str, str, re.Pattern, re.Pattern]]  # (variant, family, only, others)
    negation: re.Pattern
    item_end: re.Pattern
    area_before_verb: re.Pattern
    weak_services: frozenset[str]

    @staticmethod
    def area_of(m: re.Match) -> str:
        return next(k for k, v in m.groupdict().items() if v is not None)


def _coverage(d: dict | None, macros: dict[str, str]) -> Coverage | None:
    if not d:
        return None

    def expand(p: str) -> str:
        return re.sub(r"\{([A-Z_]+)\}", lambda m: macros[m.group(1)], p)

    services = "|".join(f"(?P<{family}>(?<!\\w)(?:{_alt(cues)})(?!\\w))" for family, cues in d["services"].items())
    areas = "|".join(f"(?P<{kind}>{expand(p)})" for kind, p in d["areas"].items())
    return Coverage(
        service_re=_compile(services, "coverage.services"),
        area_after=_compile(rf"{d['area_lead']}(?:{areas})(?!\w)", "coverage.areas"),
        area_re=_compile(rf"(?<!\w)(?:{areas})(?!\w)", "coverage.areas"),
        indicators={(service, area): code for service, by_area in d["indicators"].items()
                    for area, code in by_area.items()},
        count_indicators={(service, area): code for service, by_area in (d.get("count_indicators") or {}).items()
                          for area, code in by_area.items()},
        technologies=[(variant, t["family"], _compile(rf"(?<!\w)(?:{t['only']})(?!\w)", "coverage.technologies"),
                       _compile(rf"(?<!\w)(?:{t['others']})(?!\w)", "coverage.technologies"))
                      for variant, t in (d.get("technologies") or {}).items()],
        negation=_compile(d["negation"], "coverage.negation"),
        item_end=_compile(d["item_end"], "coverage.item_end"),
        area_before_verb=_compile(rf"(?<!\w)(?:{areas})(?:{d['area_verb']})\Z", "coverage.area_verb"),
        weak_services=frozenset(d.get("weak_services") or ()),
    )


@dataclass
class Pattern:
    before: re.Pattern | None
    after: re.Pattern | None
    shapes: frozenset[str]
    source: str
    # the `before` cue reaching its number across other words; only for patterns without `after`
    loose: re.Pattern | None = None
    context_require: re.Pattern | None = None
    context_against: re.Pattern | None = None
    context_within: str = "sentence"  # or "clause", or "document": where `require` is looked for


@dataclass
class Rule:
    code: str
    domain: str
    unit: str
    name_en: str
    name_vi: str
    keywords: tuple[str, ...]
    shapes: frozenset[str]
    patterns: list[Pattern]
    exclude_before: list[re.Pattern]
    exclude_after: list[re.Pattern]
    exclude_sentence: list[re.Pattern]
    context_require: re.Pattern | None
    context_against: re.Pattern | None
    context_within: str
    value_range: tuple[float, float]
    integral: bool
    priority: float
    examples: list[dict] = field(default_factory=list)
    path: str = ""
    share_indicator: str | None = None  # the percent indicator of which this fraction is the x/y

    def value_ok(self, value: float, integral: bool) -> bool:
        lo, hi = self.value_range
        if not lo <= value <= hi:
            return False
        return integral or not self.integral


# -- the shape of a rule file, declared (pydantic checks it; the compilation below checks the regexes)

Shape = Literal["count", "percent", "money", "fraction", "per100"]
Unit = Literal["count", "percent", "vnd", "per_100_people", "index", "rank"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContextSpec(_Strict):
    require: str | None = None
    against: str | None = None
    within: Literal["sentence", "clause", "document"] = "sentence"


class PatternSpec(_Strict):
    before: str | None = None
    after: str | None = None
    strict: bool = False           # `before` must touch its number (no loose variant across words)
    shapes: list[Shape] | None = None
    context: ContextSpec = ContextSpec()

    @model_validator(mode="after")
    def _has_a_cue(self):
        if not (self.before or self.after):
            raise ValueError("needs 'before' and/or 'after'")
        return self


class ExcludeSpec(_Strict):
    before: list[str] = []
    after: list[str] = []
    sentence: list[str] = []


class RuleFile(_Strict):
    code: str
    unit: Unit
    keywords: list[str]
    patterns: list[PatternSpec]
    domain: str = ""
    name_en: str = ""
    name_vi: str = ""
    cues_vi: str = ""                       # catalogue columns (scripts/generate_seeds.py writes the dbt seed)
    online_service_regime: str | None = None
    regime_note: str | None = None
    shapes: list[Shape] | None = None
    exclude: ExcludeSpec = ExcludeSpec()
    context: ContextSpec = ContextSpec()
    value_range: tuple[float, float] | None = None
    integral: bool | None = None
    priority: float = 0
    examples: list[dict] = []
    share_indicator: str | None = None


def _rule_from(data: dict, path: Path, lex: Lexicon) -> Rule:
    where = path.name
    try:
        spec = RuleFile.model_validate(data)
    except ValidationError as exc:
        raise RuleError(f"{where}: " + "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors())) from None
    if path.stem != spec.code:
        raise RuleError(f"{where}: code {spec.code!r} differs from the file name")
    shapes = frozenset(spec.shapes or DEFAULT_SHAPES[spec.unit])
    patterns = []
    for i, p in enumerate(spec.patterns):
        pw = f"{where}: patterns[{i}]"
        before = after = loose = None
        if p.before:
            before = _compile(rf"(?<!\w)(?P<cue>{lex.expand(p.before, pw)}){lex.link}\Z", pw)
            if not p.after and not p.strict:
                loose = _compile(rf"(?<!\w)(?P<cue>{lex.expand(p.before, pw)})(?P<gap>{_FILLER}){lex.link}\Z", pw)
        if p.after:
            after = _compile(rf"\s*(?P<cue>{lex.expand(p.after, pw)})", pw)
        patterns.append(Pattern(
            before, after, frozenset(p.shapes or shapes), f"{p.before or ''} | {p.after or ''}", loose,
            _compile(lex.expand(p.context.require, pw), f"{pw}: context") if p.context.require else None,
            _compile(lex.expand(p.context.against, pw), f"{pw}: context") if p.context.against else None,
            p.context.within))
    ex, ctx = spec.exclude, spec.context
    lo, hi = spec.value_range or DEFAULT_RANGE[spec.unit]
    return Rule(
        code=spec.code, domain=spec.domain, unit=spec.unit, name_en=spec.name_en, name_vi=spec.name_vi,
        keywords=tuple(normalise_phrase(k) for k in spec.keywords),
        shapes=shapes | frozenset(s for p in patterns for s in p.shapes),
        patterns=patterns,
        exclude_before=[_compile(rf"(?:{lex.expand(x, where)})\s*\Z", f"{where}: exclude.before") for x in ex.before],
        exclude_after=[_compile(rf"\s*(?:{lex.expand(x, where)})", f"{where}: exclude.after") for x in ex.after],
        exclude_sentence=[_compile(lex.expand(x, where), f"{where}: exclude.sentence") for x in ex.sentence],
        context_require=_compile(lex.expand(ctx.require, where), f"{where}: context") if ctx.require else None,
        context_against=_compile(lex.expand(ctx.against, where), f"{where}: context") if ctx.against else None,
        context_within=ctx.within,
        value_range=(float(lo), float(hi)),
        integral=spec.integral if spec.integral is not None else spec.unit in ("count", "rank"),
        priority=spec.priority,
        examples=spec.examples,
        path=str(path),
        share_indicator=spec.share_indicator,
    )


@lru_cache(maxsize=4)
def load_rules(rules_dir: Path = RULES_DIR) -> tuple[Rule, ...]:
    lex = load_lexicon(rules_dir)
    rules = []
    for path in sorted(rules_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        rules.append(_rule_from(_load_yaml(path), path, lex))
    codes = [r.code for r in rules]
    if len(set(codes)) != len(codes):
        raise RuleError("duplicate indicator codes in rule files")
    grammar_codes = list(lex.coverage.indicators.values() if lex.coverage else ())
    grammar_codes += list(lex.coverage.count_indicators.values() if lex.coverage else ())
    grammar_codes += list(lex.per_100.indicators.values() if lex.per_100 else ())
    grammar_codes += list(lex.revenue.indicators.values() if lex.revenue else ())
    for code in grammar_codes:
        if code not in codes:
            raise RuleError(f"_lexicon.yaml: grammar indicator {code!r} has no rule file")
    for r in rules:
        if r.share_indicator and r.share_indicator not in codes:
            raise RuleError(f"{Path(r.path).name}: share_indicator {r.share_indicator!r} has no rule file")
    log.debug("loaded %d indicator rules from %s", len(rules), rules_dir)
    return tuple(rules)
