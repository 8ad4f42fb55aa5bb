"""Articles written for these tests in the style of other provinces and years (not the seeds),
hand-labelled, scored with the shared scorer: a regression guard for rules beyond the seeds."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from extraction import extract
from tests.scripts import load_script

HERE = Path(__file__).parent / "fixtures"
SCORER = Path(__file__).resolve().parents[2] / "eval" / "score_extraction.py"


def test_other_provinces_scored():
    scorer = load_script(SCORER)
    pred = []
    for line in (HERE / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)
        text = (HERE / meta["doc"]).read_text(encoding="utf-8")
        pred += [m.to_json(meta["doc"]) for m in extract(text, dt.date.fromisoformat(meta["published"]), meta["province"])]
    gold = scorer.load(HERE / "gold.jsonl")
    r = scorer.score(gold, pred, {g["doc"] for g in gold})
    assert r["precision"] >= 0.95, r["false_positives"]
    assert r["recall"] >= 0.9, r["misses"]
    assert r["year_accuracy"] >= 0.95 and r["qualifier_accuracy"] >= 0.95 and r["target_accuracy"] >= 0.95, r
