"""The real-article corpus (eval/corpus): well formed, as large and varied as the issue asks, and
scored no lower than the figures recorded in eval/baseline.json (the evaluation gate)."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "eval" / "corpus"


def _evaluate_module():
    return load_script(ROOT / "eval" / "evaluate.py")


@pytest.fixture(scope="module")
def evaluate():
    return _evaluate_module()


@pytest.fixture(scope="module")
def corpus(evaluate):
    return evaluate.load_corpus(CORPUS)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_corpus_is_large_and_varied(corpus):
    sources, gold = corpus
    provinces = {s["province"] for s in sources if s.get("province") and s["province"] != "cả nước"}
    assert len(sources) >= 150
    assert len(provinces) >= 45
    assert sum(1 for s in sources if s.get("negative")) >= 20
    assert sum(1 for s in sources if s["published"] >= "2025-07-01") >= 15
    assert {s["published"][:4] for s in sources} >= {str(y) for y in range(2017, 2027)}
    assert len({s["source_kind"] for s in sources}) >= 4
    assert len({s["url"] for s in sources}) == len(sources)


def test_every_article_has_its_source_and_every_label_its_sentence(corpus):
    sources, gold = corpus
    codes = {row["code"] for row in csv.DictReader(open(ROOT / "dbt_project" / "seeds" / "indicators.csv",
                                                        encoding="utf-8"))}
    docs = {s["doc"]: s for s in sources}
    for s in sources:
        assert (CORPUS / "docs" / s["doc"]).is_file(), s["doc"]
        assert s["url"].startswith("http") and s.get("retrieved"), s["doc"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s["published"]), s["doc"]
    texts = {d: _squash((CORPUS / "docs" / d).read_text(encoding="utf-8")) for d in docs}
    for g in gold:
        assert g["doc"] in docs and not docs[g["doc"]].get("negative"), g
        assert g["indicator"] in codes, g
        assert isinstance(g["value"], (int, float)) and g["qualifier"] in ("exact", "approx", "at_least", "at_most")
        assert _squash(g["evidence"]) in texts[g["doc"]], g
    assert {p.name for p in (CORPUS / "docs").glob("*.txt")} == set(docs)


def test_scores_do_not_fall_below_the_recorded_baseline(evaluate):
    report = evaluate.evaluate(CORPUS)
    assert evaluate.check(report) == [], report["scores"]


def test_the_gate_notices_a_worse_extractor(evaluate, monkeypatch, tmp_path):
    """Drop every third prediction: recall falls and the check says so."""
    real = evaluate.predict

    def worse(sources, corpus=CORPUS):
        return [p for i, p in enumerate(real(sources, corpus)) if i % 3]

    monkeypatch.setattr(evaluate, "predict", worse)
    fallen = evaluate.check(evaluate.evaluate(CORPUS))
    assert any(line.startswith("recall") for line in fallen)


def test_make_eval_prints_scores_per_indicator_and_errors(evaluate, capsys):
    assert evaluate.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"precision=0\.\d+ recall=0\.\d+", out)
    assert "per indicator" in out and "bts_stations" in out
    assert "== missed" in out and "| " in out
    report = json.loads(json.dumps(evaluate.evaluate(CORPUS)))
    assert set(report["errors"]) <= {"missed", "wrong indicator", "wrong value", "not provincial",
                                     "wrong year", "wrong qualifier", "wrong target"}
