#!/usr/bin/env python3
# A copy of the shared scorer (shared/tools/score_extraction.py), kept here so that a clone can score itself.
"""Score indicator extraction against gold labels.

usage: score_extraction.py GOLD.jsonl PREDICTED.jsonl [--json]

Both files hold one JSON object a line with at least: doc, indicator, value.
Gold lines also carry core (bool), qualifier, target, year, optional denominator.

Matching, per doc: a prediction matches a gold label with the same indicator
whose value agrees within 0.5% (or 0.01 absolute). Predictions that repeat the
same (doc, indicator, value, target) are counted once.
- a core label left unmatched is a miss (false negative);
- a prediction matching no label, core or optional, is a false positive;
- a prediction matching an optional label counts neither way.
Docs that appear in GOLD's doc set only are scored; a doc with no gold lines
can be listed in a predicted file and every prediction on it is a false positive
when the doc is named in a "docs" file (see --docs).
"""
import argparse
import json
import sys
from collections import defaultdict


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def close(a, b):
    a, b = float(a), float(b)
    return abs(a - b) <= max(0.01, 0.005 * max(abs(a), abs(b)))


def score(gold, pred, docs):
    gold_by_doc = defaultdict(list)
    for g in gold:
        gold_by_doc[g["doc"]].append(g)
    seen, preds_by_doc = set(), defaultdict(list)
    for p in pred:
        doc = p.get("doc", "").rsplit("/", 1)[-1]
        if doc not in docs:
            continue
        key = (doc, p.get("indicator"), round(float(p.get("value", 0)), 4), bool(p.get("target")))
        if key in seen:
            continue
        seen.add(key)
        preds_by_doc[doc].append(p)
    tp = fp = fn = 0
    qual_ok = target_ok = year_ok = year_known = 0
    misses, false_pos = [], []
    for doc in sorted(docs):
        labels = gold_by_doc.get(doc, [])
        used = [False] * len(labels)
        for p in preds_by_doc.get(doc, []):
            hit = None
            for i, g in enumerate(labels):
                if not used[i] and g["indicator"] == p.get("indicator") and close(g["value"], p.get("value", 0)):
                    hit = i
                    break
            if hit is None:
                fp += 1
                false_pos.append({"doc": doc, "indicator": p.get("indicator"), "value": p.get("value"),
                                  "evidence": (p.get("evidence") or "")[:160]})
                continue
            used[hit] = True
            g = labels[hit]
            if not g.get("core", True):
                continue
            tp += 1
            qual_ok += p.get("qualifier", "exact") == g.get("qualifier", "exact")
            target_ok += bool(p.get("target")) == bool(g.get("target"))
            if p.get("year") is not None:
                year_known += 1
            year_ok += p.get("year") == g.get("year")
        for i, g in enumerate(labels):
            if g.get("core", True) and not used[i]:
                fn += 1
                misses.append({"doc": doc, "indicator": g["indicator"], "value": g["value"]})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "docs": len(docs), "tp": tp, "fp": fp, "fn": fn,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "qualifier_accuracy": round(qual_ok / tp, 4) if tp else None,
        "target_accuracy": round(target_ok / tp, 4) if tp else None,
        "year_accuracy": round(year_ok / tp, 4) if tp else None,
        "misses": misses, "false_positives": false_pos,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold")
    ap.add_argument("pred")
    ap.add_argument("--docs", help="file with one doc name a line: the docs to score (default: docs in GOLD)")
    ap.add_argument("--json", action="store_true", help="print the whole result as JSON")
    a = ap.parse_args()
    gold = load(a.gold)
    docs = {g["doc"] for g in gold}
    if a.docs:
        with open(a.docs, encoding="utf-8") as f:
            docs |= {line.strip() for line in f if line.strip()}
    r = score(gold, load(a.pred), docs)
    if a.json:
        json.dump(r, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    for m in r["misses"]:
        print(f"miss  {m['doc']}  {m['indicator']} = {m['value']}")
    for p in r["false_positives"]:
        print(f"extra {p['doc']}  {p['indicator']} = {p['value']}  | {p['evidence']}")
    print(f"docs={r['docs']} tp={r['tp']} fp={r['fp']} fn={r['fn']} "
          f"precision={r['precision']} recall={r['recall']} f1={r['f1']} "
          f"qualifier={r['qualifier_accuracy']} target={r['target_accuracy']} year={r['year_accuracy']}")


if __name__ == "__main__":
    main()
