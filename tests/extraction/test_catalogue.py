"""The indicator catalogue lives in the rule files; the dbt seeds are generated from them."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from extraction.rules import RuleError, _rule_from, load_lexicon, load_rules

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate_indicator_seed.py"


def _script():
    spec = importlib.util.spec_from_file_location("generate_indicator_seed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_catalogue_seeds_are_up_to_date():
    assert _script().main(["--check"]) == 0


def test_check_fails_when_a_rule_file_changes(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "extraction" / "rules", rules)
    script = _script()
    assert script.main(["--rules-dir", str(rules), "--out-dir", str(tmp_path), "--check"]) == 1
    assert script.main(["--rules-dir", str(rules), "--out-dir", str(tmp_path)]) == 0
    assert script.main(["--rules-dir", str(rules), "--out-dir", str(tmp_path), "--check"]) == 0
    path = rules / "bts_stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: count", "unit: percent"), encoding="utf-8")
    assert script.main(["--rules-dir", str(rules), "--out-dir", str(tmp_path), "--check"]) == 1


def test_one_catalogue_row_per_rule_with_its_regime():
    indicators, attributes = _script().build_rows()
    assert [r["code"] for r in indicators] == sorted(r.code for r in load_rules())
    regimes = {r["code"]: r["online_service_regime"] for r in attributes}
    assert regimes["online_services_level4"] == "levels_3_4"
    assert regimes["online_services_full"] == "decree_42_2022"
    assert "bts_stations" not in regimes


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
