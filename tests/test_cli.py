"""The `vnict` command line: the extraction contract through the console entry point."""
import json
import shutil
import subprocess
import sys

from vnict.settings import REPO_ROOT

SEEDS = REPO_ROOT / "portal_mirror" / "content" / "seed_articles"
sys.path.insert(0, str(REPO_ROOT / "eval"))
import score_extraction  # noqa: E402


def _vnict(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "vnict.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_extract_manifest_meets_the_gold_bars(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    with open(tmp_path / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for line in (SEEDS / "seed_articles.jsonl").read_text(encoding="utf-8").splitlines():
            meta = json.loads(line)
            shutil.copy(SEEDS / meta["doc"], docs / meta["doc"])
            manifest.write(json.dumps({"doc": f"docs/{meta['doc']}", "published": meta["published"],
                                       "province": meta["province"]}, ensure_ascii=False) + "\n")
    result = _vnict("extract", "--manifest", str(tmp_path / "manifest.jsonl"))
    assert result.returncode == 0, result.stderr
    predictions = [json.loads(line) for line in result.stdout.splitlines()]
    for p in predictions:
        assert set(p) == {"doc", "indicator", "value", "denominator", "unit", "qualifier", "target", "year",
                          "evidence"}
        assert p["doc"].startswith("docs/")
    gold = score_extraction.load(REPO_ROOT / "tests" / "fixtures" / "gold_seeds.jsonl")
    scores = score_extraction.score(gold, predictions, {g["doc"] for g in gold} | {"002_2acda566cfc161e9.txt"})
    assert scores["precision"] >= 0.97 and scores["recall"] >= 0.95
    assert scores["year_accuracy"] >= 0.95
    assert scores["qualifier_accuracy"] >= 0.95 and scores["target_accuracy"] >= 0.95
    assert not [p for p in predictions if p["doc"].endswith("002_2acda566cfc161e9.txt")]


def test_extract_plain_files_and_a_missing_manifest():
    result = _vnict("extract", str(SEEDS / "000_b826024c2f3ec572.txt"))
    assert result.returncode == 0
    first = json.loads(result.stdout.splitlines()[0])
    assert first["doc"].endswith("000_b826024c2f3ec572.txt")
    missing = _vnict("extract", "--manifest", "/nonexistent/manifest.jsonl")
    assert missing.returncode == 2
    assert "manifest not found" in missing.stderr and "Traceback" not in missing.stderr
