"""The `vnict` command line: the extraction contract through the console entry point."""
import json
import os
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


def test_reprocess_with_a_bad_date_fails_at_once():
    """It used to start Airflow and report success about 400 s later."""
    import time

    start = time.monotonic()
    result = _vnict("reprocess", "--since", "notadate")
    assert result.returncode == 2
    assert "notadate" in result.stderr and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - start < 30


def test_run_and_reprocess_check_range_and_portal_before_starting(tmp_path):
    env = {**os.environ, "VNICT_STATE_DIR": str(tmp_path / "state")}
    backwards = subprocess.run([sys.executable, "-m", "vnict.cli", "run", "--since", "2024-01-01",
                                "--until", "2023-01-01"], capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    assert backwards.returncode == 2 and "is not after --since" in backwards.stderr
    unknown = subprocess.run([sys.executable, "-m", "vnict.cli", "reprocess", "--portal", "no_such_portal"],
                             capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    assert unknown.returncode == 2 and "no portal 'no_such_portal'" in unknown.stderr
    assert not (tmp_path / "state").exists()  # nothing was started


REAL_PAGES = REPO_ROOT / "tests" / "parsing" / "real_pages"


def test_parse_prints_the_contract_for_a_real_page():
    entry = json.loads((REAL_PAGES / "manifest.national.jsonl").read_text(encoding="utf-8").splitlines()[0])
    result = _vnict("parse", str(REAL_PAGES / f"{entry['id']}.html.gz"), "--url", entry["url"])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"url", "title", "published", "lead", "body", "source_outlet", "flags"}
    assert out["title"] == entry["title"]
    assert out["published"].startswith(entry["published"]) and out["published"][-6] in "+-"  # ISO 8601, offset
    assert entry["body_first"] in out["body"] and entry["body_last"] in out["body"]
    assert out["lead"] is None or not out["body"].startswith(out["lead"])  # the lead stands apart


def test_parse_with_a_portal_uses_its_selectors_and_bad_input_gets_one_line():
    page = REPO_ROOT / "tests" / "parsing" / "fixtures" / "liferay_000.html"
    generic = json.loads(_vnict("parse", str(page)).stdout)
    configured = _vnict("parse", str(page), "--portal", "hagiang_stttt")
    assert configured.returncode == 0
    assert json.loads(configured.stdout)["title"] == generic["title"]
    for args, message in ((["parse", "/nonexistent.html"], "cannot read"),
                          (["parse", str(page), "--portal", "nope"], "no portal 'nope'"),
                          (["parse", str(REPO_ROOT)], "cannot read")):
        result = _vnict(*args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_sources_check_against_the_mirror(open_tmp):
    from vnict.sandbox import MIRROR_PORTS, free_port

    port = free_port(MIRROR_PORTS)
    env = {**os.environ, "VNICT_STATE_DIR": str(open_tmp), "VNICT_MIRROR_PORT": str(port), "VNICT_SOURCES": "mirror"}
    try:
        result = subprocess.run([sys.executable, "-m", "vnict.cli", "sources", "check", "cantho_sokhcn", "baotuyenquang",
                                 "--json"], capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=600)
        assert result.returncode == 0, result.stderr
        reports = {r["portal_id"]: r for r in json.loads(result.stdout)}
        assert all(r["usable"] for r in reports.values())
        cantho = {p["name"]: p for p in reports["cantho_sokhcn"]["probes"]}
        assert cantho["sitemap"]["ok"] and "add `sitemap: /sitemap.xml`" in cantho["sitemap"]["advice"]
        assert cantho["feed"]["ok"] and cantho["robots"]["detail"].count("Crawl-delay 5")
        unserved = subprocess.run([sys.executable, "-m", "vnict.cli", "sources", "check", "baolaocai"],
                                  capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120)
        assert unserved.returncode == 2 and "VNICT_SOURCES=live" in unserved.stderr
    finally:
        subprocess.run([sys.executable, "-m", "vnict.cli", "mirror", "stop"], cwd=REPO_ROOT, env=env,
                       capture_output=True, timeout=60)
