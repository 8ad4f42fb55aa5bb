"""Rule files that cannot be loaded are reported by name and field."""
from __future__ import annotations

import pytest

from extraction.rules import RuleError, _rule_from, load_lexicon


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
