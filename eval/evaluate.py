"""Score the extractor on the real-article corpus (eval/corpus) with the shared scorer.

usage: python eval/evaluate.py [--corpus DIR] [--json] [--quiet] [--check BASELINE]

Prints precision, recall, F1 and year / qualifier / target accuracy over the corpus, then the same
per indicator, then every error by kind with its sentence:
- missed:          a core label no prediction matched;
- wrong indicator: a prediction whose value is a label's of another indicator (the label is missed too);
- wrong value:     a prediction of a labelled indicator with another value;
- not provincial:  a prediction on a negative article, or whose value and indicator match no label
                   (another scope, a flow, a national or operator figure, a number that is no figure);
- wrong year / wrong qualifier / wrong target: a matched figure with that attribute wrong.
--check compares the headline scores with a recorded baseline (eval/baseline.json) and exits 1
when any fell below it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extraction import extract  # noqa: E402

CORPUS = ROOT / "eval" / "corpus"
SCORER = ROOT / "eval" / "score_extraction.py"
BASELINE = ROOT / "eval" / "baseline.json"
HEADLINE = ("precision", "recall", "f1", "year_accuracy", "qualifier_accuracy", "target_accuracy")


def load_scorer():
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _jsonl(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{n}: not valid JSON: {exc.msg}")
    return rows


def load_corpus(corpus: Path = CORPUS) -> tuple[list[dict], list[dict]]:
    """(sources, gold): one source row per article, one gold row per labelled figure."""
    return _jsonl(corpus / "sources"), _jsonl(corpus / "gold")


def predict(sources: list[dict], corpus: Path = CORPUS) -> list[dict]:
    preds = []
    for src in sources:
        text = (corpus / "docs" / src["doc"]).read_text(encoding="utf-8")
        published = dt.date.fromisoformat(src["published"]) if src.get("published") else None
        for m in extract(text, published=published, province=src.get("province")):
            preds.append(m.to_json(src["doc"]))
    return preds


def _classify(scorer, gold: list[dict], preds: list[dict], docs: set[str], negatives: set[str]) -> dict:
    """The shared scorer's greedy matching again, keeping the pairs, to name each error."""
    by_doc = defaultdict(list)
    for g in gold:
        by_doc[g["doc"]].append(g)
    seen, pred_by_doc = set(), defaultdict(list)
    for p in preds:
        key = (p["doc"], p["indicator"], round(float(p["value"]), 4), bool(p.get("target")))
        if p["doc"] in docs and key not in seen:
            seen.add(key)
            pred_by_doc[p["doc"]].append(p)
    errors = defaultdict(list)
    per_ind = defaultdict(Counter)
    for doc in sorted(docs):
        labels = by_doc.get(doc, [])
        used = [False] * len(labels)
        unmatched = []
        for p in pred_by_doc.get(doc, []):
            hit = next((i for i, g in enumerate(labels) if not used[i] and g["indicator"] == p["indicator"]
                        and scorer.close(g["value"], p["value"])), None)
            if hit is None:
                unmatched.append(p)
                continue
            used[hit] = True
            g = labels[hit]
            if not g.get("core", True):
                continue
            per_ind[g["indicator"]]["tp"] += 1
            for field, kind in (("year", "wrong year"), ("qualifier", "wrong qualifier"), ("target", "wrong target")):
                got, want = p.get(field), g.get(field)
                if field == "qualifier":
                    got, want = got or "exact", want or "exact"
                if field == "target":
                    got, want = bool(got), bool(want)
                if got != want:
                    per_ind[g["indicator"]][kind] += 1
                    errors[kind].append({"doc": doc, "indicator": g["indicator"], "value": g["value"],
                                         "got": got, "want": want, "evidence": p.get("evidence", "")})
        missed = [g for i, g in enumerate(labels) if g.get("core", True) and not used[i]]
        for p in unmatched:
            per_ind[p["indicator"]]["fp"] += 1
            same_value = [g for g in missed if scorer.close(g["value"], p["value"])]
            same_ind = [g for g in labels if g["indicator"] == p["indicator"]]
            if doc in negatives:
                kind, want = "not provincial", "negative article"
            elif same_value:
                kind, want = "wrong indicator", same_value[0]["indicator"]
            elif same_ind:
                kind, want = "wrong value", ", ".join(str(g["value"]) for g in same_ind)
            else:
                kind, want = "not provincial", "no such label"
            errors[kind].append({"doc": doc, "indicator": p["indicator"], "value": p["value"], "got": p["value"],
                                 "want": want, "evidence": p.get("evidence", "")})
        for g in missed:
            per_ind[g["indicator"]]["fn"] += 1
            errors["missed"].append({"doc": doc, "indicator": g["indicator"], "value": g["value"], "got": None,
                                     "want": g["value"], "evidence": g.get("evidence", "")})
    return {"errors": errors, "per_indicator": per_ind}


def evaluate(corpus: Path = CORPUS) -> dict:
    scorer = load_scorer()
    sources, gold = load_corpus(corpus)
    docs = {s["doc"] for s in sources}
    negatives = {s["doc"] for s in sources if s.get("negative")}
    preds = predict(sources, corpus)
    result = scorer.score(gold, preds, docs)
    detail = _classify(scorer, gold, preds, docs, negatives)
    per_indicator = {}
    for code, c in sorted(detail["per_indicator"].items()):
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        per_indicator[code] = {
            "tp": tp, "fp": fp, "fn": fn,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "wrong_year": c["wrong year"], "wrong_qualifier": c["wrong qualifier"], "wrong_target": c["wrong target"],
        }
    return {
        "corpus": {"articles": len(sources), "negatives": len(negatives),
                   "provinces": len({s["province"] for s in sources if s.get("province") and s["province"] != "cả nước"}),
                   "labels": len(gold), "core_labels": sum(1 for g in gold if g.get("core", True))},
        "scores": {k: result[k] for k in ("tp", "fp", "fn", *HEADLINE)},
        "per_indicator": per_indicator,
        "errors": {k: v for k, v in sorted(detail["errors"].items())},
    }


def check(report: dict, baseline_path: Path = BASELINE) -> list[str]:
    """The headline scores that fell below the recorded baseline."""
    base = json.loads(baseline_path.read_text(encoding="utf-8"))
    return [f"{k}: {report['scores'][k]} < recorded {base[k]}" for k in HEADLINE
            if k in base and report["scores"][k] is not None and report["scores"][k] < base[k]]


def _print(report: dict, quiet: bool) -> None:
    c, s = report["corpus"], report["scores"]
    print(f"corpus: {c['articles']} articles ({c['negatives']} negatives), {c['provinces']} provinces, "
          f"{c['core_labels']} core labels of {c['labels']}")
    print(f"tp={s['tp']} fp={s['fp']} fn={s['fn']}  precision={s['precision']} recall={s['recall']} f1={s['f1']}  "
          f"year={s['year_accuracy']} qualifier={s['qualifier_accuracy']} target={s['target_accuracy']}")
    print("\nper indicator            tp  fp  fn  precision recall  year-errors")
    for code, r in report["per_indicator"].items():
        print(f"  {code:<34}{r['tp']:>4}{r['fp']:>4}{r['fn']:>4}  {str(r['precision']):>8} {str(r['recall']):>6}"
              f"  {r['wrong_year']:>4}")
    print("\nerrors by kind: " + ", ".join(f"{k} {len(v)}" for k, v in report["errors"].items()))
    if quiet:
        return
    for kind, rows in report["errors"].items():
        print(f"\n== {kind} ({len(rows)})")
        for r in rows:
            print(f"  {r['doc']}  {r['indicator']} = {r['value']}  got {r['got']} want {r['want']}")
            print(f"      | {r['evidence'][:300]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--json", action="store_true", help="print the whole report as JSON")
    ap.add_argument("--quiet", action="store_true", help="scores only, no error listing")
    ap.add_argument("--check", type=Path, nargs="?", const=BASELINE, help="fail when a score falls below BASELINE")
    a = ap.parse_args(argv)
    report = evaluate(a.corpus)
    if a.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        _print(report, a.quiet)
    if a.check:
        fallen = check(report, a.check)
        for line in fallen:
            print(f"below baseline: {line}", file=sys.stderr)
        return 1 if fallen else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
