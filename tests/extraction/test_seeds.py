"""The shared scorer on the seed articles: the issue's bars, and nothing from seed 002 or page furniture."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from extraction import extract
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "portal_mirror" / "content" / "seed_articles"
GOLD = ROOT / "tests" / "fixtures" / "gold_seeds.jsonl"
SCORER = ROOT / "eval" / "score_extraction.py"


def _scorer():
    return load_script(SCORER)


@pytest.fixture(scope="module")
def predictions():
    preds = {}
    for line in (SEEDS / "seed_articles.jsonl").read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)
        text = (SEEDS / meta["doc"]).read_text(encoding="utf-8")
        ms = extract(text, published=dt.date.fromisoformat(meta["published"]), province=meta["province"])
        preds[meta["doc"]] = (text, ms)
    return preds


def test_scorer_bars(predictions):
    scorer = _scorer()
    gold = scorer.load(GOLD)
    pred = [m.to_json(doc) for doc, (_, ms) in predictions.items() for m in ms]
    docs = {g["doc"] for g in gold} | set(predictions)
    r = scorer.score(gold, pred, docs)
    assert r["precision"] >= 0.97, r["false_positives"]
    assert r["recall"] >= 0.95, r["misses"]
    assert r["year_accuracy"] >= 0.95
    assert r["qualifier_accuracy"] >= 0.95
    assert r["target_accuracy"] >= 0.95


def test_nothing_from_seed_002(predictions):
    [doc] = [d for d in predictions if d.startswith("002_")]
    assert predictions[doc][1] == []


def test_nothing_from_counters_or_footers(predictions):
    for doc, (text, ms) in predictions.items():
        for marker in ("Thống kê truy cập", "Nguồn:", "Theo: tuyenquang.gov.vn"):
            pos = text.find(marker)
            if pos >= 0:
                assert all(m.char_start < pos for m in ms), (doc, marker)


def test_spans_and_evidence_come_from_the_article(predictions):
    for _, (text, ms) in predictions.items():
        for m in ms:
            figure = text[m.char_start:m.char_end]
            assert figure and figure[0].isdigit()
            assert figure in m.evidence
