"""`make run`'s report: one screen, every failure named with its reason, intended faults apart."""
from __future__ import annotations

import dataclasses
import io
import json
import os
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from vnict.nightly_run import NightlyRun, print_report

pytestmark = pytest.mark.integration  # needs a real Postgres

RUN_ID = "manual__vnict_run_test"


def _ti(task_id: str, state: str, map_index: int = -1, portal: str | None = None) -> dict:
    start = datetime.now(timezone.utc) - timedelta(seconds=30)
    return {"task_id": task_id, "state": state, "map_index": map_index, "rendered_map_index": portal,
            "start_date": start.isoformat(), "end_date": (start + timedelta(seconds=20)).isoformat()}


def test_report_fits_one_screen_and_names_every_failure(warehouse_dsn, test_settings, tmp_path):
    from vnict.nightly_run import intended_faults

    settings = dataclasses.replace(test_settings, state_dir=tmp_path, sources_mode="mirror")
    fault_portal, fault_path = next(iter(intended_faults(settings)))
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        for portal, url, outcome, status, error in [
            ("hagiang_stttt", "http://127.0.0.1:1/tin/a.html", "error", 503, None),
            ("cantho_sokhcn", "http://127.0.0.1:2/bai/b.html?id=7", "error", None, "read timed out after 20 s"),
            (fault_portal, f"http://127.0.0.1:3{fault_path}", "error", None, "page over 10 MB"),
            ("hagiang_stttt", "http://127.0.0.1:1/tin/c.html", "stored", 200, None),
        ]:
            conn.execute("insert into raw.fetch_log (run_id, portal_id, url, status_code, outcome, error)"
                         " values (%s, %s, %s, %s, %s, %s)", (RUN_ID, portal, url, status, outcome, error))
    results = settings.state_dir / "dbt" / "target" / "run_results.json"
    results.parent.mkdir(parents=True)
    results.write_text(json.dumps({"elapsed_time": 8.2, "results": [
        {"unique_id": "model.vnict.dim_province", "status": "success", "message": "SELECT 97"},
        {"unique_id": "test.vnict.unique_fct_egov_indicators_mention_id.1a2b", "status": "fail",
         "message": "Got 2 results, configured to fail if != 0"},
        {"unique_id": "test.vnict.percent_in_range_fct_egov_indicators_value.3c4d", "status": "warn",
         "message": "Got 1 result"},
    ]}))
    tis = [_ti("portal.crawl", "success", 0, "hagiang_stttt"), _ti("portal.crawl", "failed", 1, "cantho_sokhcn"),
           _ti("dbt.build", "failed"), _ti("run_complete", "upstream_failed")]
    run = NightlyRun(RUN_ID, "failed", 95.0, tis, None, started, settings.airflow_home / "logs")
    out = io.StringIO()
    print_report(run, warehouse_dsn, settings, out=out)
    text = out.getvalue()
    lines = text.splitlines()

    assert len(lines) <= 40, text
    assert "FAILED in 1:35" in text
    assert "/tin/a.html" in text and "HTTP 503" in text
    assert "/bai/b.html?id=7" in text and "read timed out after 20 s" in text
    assert "portal.crawl[cantho_sokhcn]" in text and "dbt.build" in text
    assert "unique_fct_egov_indicators_mention_id" in text and "Got 2 results" in text
    assert "warned: percent_in_range_fct_egov_indicators_value" in text
    # the mirror's intended fault is counted apart, not listed as a failure
    assert fault_path not in text and "Intended failures" in text
    assert "Failures: 5" in text  # two requests, two tasks, one dbt node


def test_a_portals_time_is_what_its_tasks_ran_not_what_they_waited():
    start = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)
    crawl = {"task_id": "portal.crawl", "start_date": start.isoformat(),
             "end_date": (start + timedelta(seconds=55)).isoformat()}
    parse = {"task_id": "portal.parse", "start_date": (start + timedelta(seconds=125)).isoformat(),
             "end_date": (start + timedelta(seconds=127)).isoformat()}
    run = NightlyRun(RUN_ID, "success", 130.0, [crawl, parse], None, start, None)
    assert run.busy_s([crawl, parse]) == 57.0
    assert run.span_s([crawl, parse]) == 127.0


def test_report_ignores_dbt_results_left_by_an_earlier_run(warehouse_dsn, test_settings, tmp_path):
    settings = dataclasses.replace(test_settings, state_dir=tmp_path)
    results = settings.state_dir / "dbt" / "target" / "run_results.json"
    results.parent.mkdir(parents=True)
    results.write_text(json.dumps({"results": [{"unique_id": "test.vnict.old_test.1", "status": "fail",
                                                "message": "from last week"}]}))
    week_ago = (datetime.now(timezone.utc) - timedelta(days=7)).timestamp()
    os.utime(results, (week_ago, week_ago))
    run = NightlyRun(RUN_ID, "failed", 10.0, [_ti("dbt.build", "failed")], None,
                     datetime.now(timezone.utc) - timedelta(minutes=1), settings.airflow_home / "logs")
    out = io.StringIO()
    print_report(run, warehouse_dsn, settings, out=out)
    assert "dbt.build" in out.getvalue() and "old_test" not in out.getvalue()
