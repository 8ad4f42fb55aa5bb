"""The catalogue (dbt seed) and the rule files describe the same indicators."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from extraction.rules import RuleError, _rule_from, load_lexicon, load_rules

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "indicators.csv"


def test_every_rule_is_in_the_catalogue_with_the_same_unit():
    with open(SEED, encoding="utf-8") as f:
        rows = {r["code"]: r for r in csv.DictReader(f)}
    for rule in load_rules():
        assert rule.code in rows, rule.code
        assert rows[rule.code]["unit"] == rule.unit, rule.code
        assert rows[rule.code]["name_en"] and rows[rule.code]["name_vi"]


def test_every_catalogue_row_has_a_rule():
    with open(SEED, encoding="utf-8") as f:
        codes = {r["code"] for r in csv.DictReader(f)}
    assert codes == {r.code for r in load_rules()}


def test_bad_rule_files_are_reported_by_name(tmp_path):
    lex = load_lexicon()
    with pytest.raises(RuleError, match="x.yaml.*code"):
        _rule_from({"code": "y", "unit": "count", "keywords": ["a"], "patterns": [{"after": "a"}]}, tmp_path / "x.yaml", lex)
    with pytest.raises(RuleError, match="unit"):
        _rule_from({"code": "x", "unit": "litres", "keywords": ["a"], "patterns": [{"after": "a"}]}, tmp_path / "x.yaml", lex)
    with pytest.raises(RuleError, match="bad regex"):
        _rule_from({"code": "x", "unit": "count", "keywords": ["a"], "patterns": [{"after": "(a"}]}, tmp_path / "x.yaml", lex)
    with pytest.raises(RuleError, match="unknown macro"):
        _rule_from({"code": "x", "unit": "count", "keywords": ["a"], "patterns": [{"after": "{NOPE}"}]}, tmp_path / "x.yaml", lex)
