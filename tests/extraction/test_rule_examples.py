"""Every indicator rule file carries its own examples; each must hold, so a maintainer who adds
an indicator by adding data gets it tested by adding data too."""
from __future__ import annotations

import datetime as dt

import pytest

from extraction import extract
from extraction.rules import load_rules

RULES = load_rules()
CASES = [(r.code, i, ex) for r in RULES for i, ex in enumerate(r.examples)]


def test_every_rule_has_positive_examples():
    for rule in RULES:
        assert any(ex.get("expect") for ex in rule.examples), f"{rule.code} has no positive example"


@pytest.mark.parametrize("code,i,example", CASES, ids=[f"{c}-{i}" for c, i, _ in CASES])
def test_rule_example(code, i, example):
    published = dt.date.fromisoformat(example.get("published", "2024-06-15"))
    got = sorted(m.value for m in extract(example["text"], published=published, province=example.get("province"))
                 if m.indicator == code)
    assert got == pytest.approx(sorted(float(v) for v in example["expect"])), example["text"]
