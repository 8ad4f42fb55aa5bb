"""A run killed with SIGKILL in the middle of loading, then run again, leaves the same staging rows
and marts as a clean run: nothing half-written survives, nothing is lost or doubled."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from portal_mirror import MirrorServer
from vnict import pipeline
from vnict.dbt_tasks import run_dbt
from vnict.settings import REPO_ROOT

pytestmark = pytest.mark.integration  # needs a real Postgres

RUN = """
import json, sys
from datetime import datetime
from vnict import pipeline
dsn, windows = sys.argv[1], json.loads(sys.argv[2])
for portal_id, start, end in windows:
    report = pipeline.crawl(portal_id, datetime.fromisoformat(start), datetime.fromisoformat(end), dsn, run_id="night")
    pipeline.parse(report["page_ids"], dsn)
    pipeline.extract(dsn)
"""


@pytest.fixture(scope="module")
def mirror():
    with MirrorServer() as server:
        yield server


@pytest.fixture
def mirror_env(tmp_path, mirror):
    state = tmp_path / "state"
    (state / "run").mkdir(parents=True)
    (state / "run" / "mirror_sites.json").write_text(json.dumps(mirror.sites))
    return {**os.environ, "VNICT_STATE_DIR": str(state), "VNICT_SOURCES": "mirror",
            "PYTHONPATH": str(REPO_ROOT)}


def _windows(mirror) -> list[list[str]]:
    out = []
    for article in mirror.catalog():
        if article.seed_doc:
            day = article.published.replace(hour=0, minute=0, second=0, microsecond=0)
            out.append([article.site_id, day.isoformat(), day.isoformat()])
    for w in out:  # a week around each seed: several articles a window, so a kill lands mid-load
        from datetime import datetime, timedelta
        start = datetime.fromisoformat(w[1]) - timedelta(days=3)
        w[1], w[2] = start.isoformat(), (start + timedelta(days=7)).isoformat()
    return out


def _run(dsn: str, windows, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, dsn, json.dumps(windows)], env=env, cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def _state(dsn: str) -> dict:
    """Staging and marts rows without the columns that depend on the order of work (ids, times)."""
    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [("staging", "articles"), ("staging", "indicator_mentions")] + [
            ("marts", t) for (t,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'")]
        for schema, table in tables:
            columns = [c for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " and column_name !~ '(_id|_at|_ids|_urls|_version)$' order by ordinal_position", (schema, table))]
            rows = conn.execute(f"select {', '.join(columns)} from {schema}.{table}").fetchall()
            out[f"{schema}.{table}"] = sorted(map(repr, rows))
    return out


def test_sigkill_mid_load_then_rerun_equals_a_clean_run(mirror, mirror_env, fresh_database, tmp_path):
    windows = _windows(mirror)
    dbt_args = ["build", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]

    clean = fresh_database()
    assert _run(clean, windows, mirror_env).wait(timeout=600) == 0
    run_dbt(clean, dbt_args)
    total_pages = _count(clean, "raw.pages")

    killed = fresh_database()
    proc = _run(killed, windows, mirror_env)
    deadline = time.monotonic() + 300
    while _count(killed, "raw.pages") < max(2, total_pages // 3):
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _count(killed, "raw.pages") < total_pages, "killed mid-load"

    assert _run(killed, windows, mirror_env).wait(timeout=600) == 0  # the next night
    run_dbt(killed, dbt_args)
    assert _state(killed) == _state(clean)
