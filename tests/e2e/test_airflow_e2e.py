"""Airflow end to end, as an engineer uses it: backfills through the REST API v2, a nightly run with a
portal down, reprocessing without fetching, and the grid in a browser. The tests share one Airflow
(see conftest) and run in file order: each builds on the warehouse the previous ones left."""
from __future__ import annotations

import shutil
import time
import uuid
from datetime import datetime, timezone

import psycopg
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]  # Airflow end to end, on a real Postgres

NIGHTLY = "provincial_ict_nightly"
REPROCESS = "provincial_ict_reprocess"
# Three nightly intervals with mirror articles on two portals (catalog: 3 articles).
BACKFILL_FROM, BACKFILL_TO = "2024-03-19T00:00:00+07:00", "2024-03-21T23:00:00+07:00"
# Overlaps the backfill, then a quarter where every mirror portal published; this portal is down.
DOWN_PORTAL = "baohaugiang"
DOWN_WINDOW = {"since": "2024-03-20", "until": "2024-07-01"}


def _staging_urls(dsn: str, portal: str | None = None) -> list[str]:
    """Every URL staging.articles accounts for: each article's URL and the URLs of its copies."""
    sql = "select url, duplicate_urls from staging.articles" + (" where portal_id = %s" if portal else "")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(sql, (portal,) if portal else ()).fetchall()
    return [u for url, dups in rows for u in [url, *dups]]


def _catalog_urls(stack, start: datetime, end: datetime, exclude_site: str | None = None) -> set[str]:
    return {a.url for a in stack.mirror.catalog()
            if start <= a.published < end and a.site_id != exclude_site}


def _parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _create_backfill(api, from_date: str, to_date: str, **extra) -> dict:
    body = {"dag_id": NIGHTLY, "from_date": from_date, "to_date": to_date, "max_active_runs": 3,
            # marts once at the end, not once per day (provincial_ict_marts picks the staging change up)
            "dag_run_conf": {"build_marts": False}, **extra}
    return api.request("POST", "/backfills", json=body)


def _wait_for_backfill(api, backfill_id: int, timeout: float = 900) -> list[dict]:
    """The nightly's backfill runs once the backfill is complete."""
    deadline = time.monotonic() + timeout
    while api.get(f"/backfills/{backfill_id}")["completed_at"] is None:
        assert time.monotonic() < deadline, f"backfill {backfill_id} not complete after {timeout:.0f} s"
        time.sleep(3)
    return [r for r in api.dag_runs(NIGHTLY) if r["run_type"] == "backfill"]


def _unpause_nightly(api) -> None:
    """Unpause; the run of the latest interval that unpausing creates (catchup is off) is marked
    done, as an engineer would to skip it: these tests are about other intervals, and the machine
    is small."""
    api.unpause(NIGHTLY)
    deadline = time.monotonic() + 90
    while not (scheduled := [r for r in api.dag_runs(NIGHTLY) if r["run_type"] == "scheduled"]):
        assert time.monotonic() < deadline, "unpausing created no scheduled run"
        time.sleep(1)
    for run in scheduled:
        api.request("PATCH", f"/dags/{NIGHTLY}/dagRuns/{run['dag_run_id']}", json={"state": "success"})


def test_backfill_over_three_days_loads_exactly_the_articles_published_in_them(e2e_stack):
    api = e2e_stack.api
    _unpause_nightly(api)
    backfill = _create_backfill(api, BACKFILL_FROM, BACKFILL_TO)
    runs = _wait_for_backfill(api, backfill["id"])

    assert len(runs) == 3, [r["dag_run_id"] for r in runs]
    assert {r["state"] for r in runs} == {"success"}, [(r["dag_run_id"], r["state"]) for r in runs]
    starts = sorted(_parse_ts(r["data_interval_start"]) for r in runs)
    ends = sorted(_parse_ts(r["data_interval_end"]) for r in runs)
    assert [(e - s).total_seconds() for s, e in zip(starts, ends)] == [86400] * 3
    expected = _catalog_urls(e2e_stack, starts[0], ends[-1])
    assert len(expected) >= 3
    loaded = _staging_urls(e2e_stack.dsn)
    assert sorted(loaded) == sorted(expected)


def test_repeated_backfill_leaves_no_duplicates(e2e_stack):
    api = e2e_stack.api
    with psycopg.connect(e2e_stack.dsn) as conn:
        pages_before = conn.execute("select count(*) from raw.pages where page_kind = 'article'").fetchone()[0]
    # two of the days run again (the nightly run below overlaps them as well)
    backfill = _create_backfill(api, "2024-03-20T00:00:00+07:00", "2024-03-21T23:00:00+07:00",
                                reprocess_behavior="completed")
    runs = _wait_for_backfill(api, backfill["id"])
    assert {r["state"] for r in runs} == {"success"}
    starts = [_parse_ts(r["data_interval_start"]) for r in runs]
    ends = [_parse_ts(r["data_interval_end"]) for r in runs]
    assert len(runs) == len(set(starts)) == 3, "the days ran again in their runs, not as new runs"
    rerun = [r for r in runs if _parse_ts(r["start_date"]) >= _parse_ts(backfill["created_at"])]
    assert len(rerun) == 2, [(r["dag_run_id"], r["start_date"]) for r in runs]

    loaded = _staging_urls(e2e_stack.dsn)
    assert len(loaded) == len(set(loaded)), "an article is in staging twice"
    assert set(loaded) == _catalog_urls(e2e_stack, min(starts), max(ends))
    with psycopg.connect(e2e_stack.dsn) as conn:
        dup_pages = conn.execute("select count(*) from (select url from raw.pages where page_kind = 'article'"
                                 " group by url having count(*) > 1) d").fetchone()[0]
        pages_after = conn.execute("select count(*) from raw.pages where page_kind = 'article'").fetchone()[0]
    assert dup_pages == 0, "an unchanged article page was stored twice"
    assert pages_after == pages_before, "the repeated runs stored article pages again"


def test_nightly_with_a_portal_down_fails_only_that_portal_and_builds_the_marts(e2e_stack):
    from portal_mirror import FaultPlan

    api, mirror = e2e_stack.api, e2e_stack.mirror
    mirror.set_faults(FaultPlan(down_sites=frozenset({DOWN_PORTAL})))
    try:
        run = api.request("POST", f"/dags/{NIGHTLY}/dagRuns", json={
            "dag_run_id": "manual__portal_down", "logical_date": datetime.now(timezone.utc).isoformat(),
            "conf": DOWN_WINDOW})
        run = api.wait_for_run(NIGHTLY, run["dag_run_id"], timeout=900)
    finally:
        mirror.set_faults(FaultPlan())

    tis = api.task_instances(NIGHTLY, run["dag_run_id"])
    crawl = {t["rendered_map_index"]: t["state"] for t in tis if t["task_id"] == "portal.crawl"}
    parse = {t["rendered_map_index"]: t["state"] for t in tis if t["task_id"] == "portal.parse"}
    others = set(crawl) - {DOWN_PORTAL}
    assert crawl[DOWN_PORTAL] == "failed"
    assert len(others) >= 6 and all(crawl[p] == "success" for p in others), crawl
    assert all(parse[p] == "success" for p in others), parse
    dbt = {t["task_id"]: t["state"] for t in tis if t["task_id"].startswith("dbt.")}
    assert dbt and set(dbt.values()) == {"success"}, {k: v for k, v in dbt.items() if v != "success"}
    states = {t["task_id"]: t["state"] for t in tis if t["map_index"] == -1}
    assert states["extract"] == states["summarize"] == "success"
    assert states["run_complete"] == "upstream_failed" and run["state"] == "failed"

    start = datetime.fromisoformat(DOWN_WINDOW["since"] + "T00:00:00+07:00")
    end = datetime.fromisoformat(DOWN_WINDOW["until"] + "T00:00:00+07:00")
    loaded_list = _staging_urls(e2e_stack.dsn)
    loaded = set(loaded_list)
    assert len(loaded_list) == len(loaded), "the run overlapping the backfill duplicated articles"
    expected = _catalog_urls(e2e_stack, start, end, exclude_site=DOWN_PORTAL)
    assert expected and expected <= loaded, sorted(expected - loaded)
    assert not _catalog_urls(e2e_stack, start, end) - expected & loaded, "the down portal's articles are not there"
    with psycopg.connect(e2e_stack.dsn) as conn:
        built = {r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        provinces = conn.execute("select count(*) from marts.dim_province").fetchone()[0]
    assert {"fct_infrastructure_indicators", "fct_egov_indicators", "dim_province", "dim_indicator"} <= built
    assert provinces > 0


def test_reprocess_parses_and_extracts_again_without_fetching(e2e_stack):
    api, mirror = e2e_stack.api, e2e_stack.mirror
    with psycopg.connect(e2e_stack.dsn) as conn:
        before = conn.execute("select (select count(*) from raw.pages), (select count(*) from raw.fetch_log)").fetchone()
        in_range = conn.execute("select count(*) from staging.articles where published_date >= '2024-03-19'"
                                " and published_date < '2024-03-23'").fetchone()[0]
    requests_before = len(mirror.requests())
    api.unpause(REPROCESS)
    run = api.request("POST", f"/dags/{REPROCESS}/dagRuns", json={
        "dag_run_id": "manual__reprocess", "logical_date": None,
        "conf": {"since": "2024-03-19", "until": "2024-03-23", "by": "published"}})
    run = api.wait_for_run(REPROCESS, run["dag_run_id"], timeout=600)
    assert run["state"] == "success"

    with psycopg.connect(e2e_stack.dsn) as conn:
        after = conn.execute("select (select count(*) from raw.pages), (select count(*) from raw.fetch_log)").fetchone()
    assert after == before, "reprocessing stored or fetched pages"
    assert len(mirror.requests()) == requests_before, "reprocessing made requests to the portals"
    extracted = api.get(f"/dags/{REPROCESS}/dagRuns/{run['dag_run_id']}/taskInstances/extract/xcomEntries/return_value")
    value = extracted["value"]
    assert in_range >= 3 and value["articles"] == in_range, value
    # its asset events are what schedules provincial_ict_marts (paused here: the nightly test built them)
    events = api.get("/assets/events", source_dag_id=REPROCESS, source_run_id=run["dag_run_id"])["asset_events"]
    assert {e["name"] for e in events} == {"staging.articles", "staging.indicator_mentions"}
    nightly_events = api.get("/assets/events", source_dag_id=NIGHTLY, source_run_id="manual__portal_down")["asset_events"]
    assert nightly_events and all(e["extra"].get("marts_built_in_run") is True for e in nightly_events)


UI_WINDOW = {"since": "2024-06-01", "until": "2024-06-03"}


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="needs Debian's chromium and chromium-driver")
def test_grid_of_the_nightly_dag_in_a_browser(e2e_stack, artifacts_dir, tmp_path):
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    api = e2e_stack.api
    # the run the grid must show is made here, so the test holds when it runs alone
    _unpause_nightly(api)
    run_id = f"manual__ui_grid_{uuid.uuid4().hex[:8]}"
    api.request("POST", f"/dags/{NIGHTLY}/dagRuns", json={
        "dag_run_id": run_id, "logical_date": datetime.now(timezone.utc).isoformat(),
        "conf": {**UI_WINDOW, "build_marts": False}})
    run = api.wait_for_run(NIGHTLY, run_id, timeout=900)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1600,1000", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        # the single-page app redirects and re-renders: a lookup during a navigation is retried
        wait = WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,))
        driver.get(f"{api.base_url}/")
        user = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "input[name=username], input[type=text]")))
        user.send_keys(api.username)
        driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(api.password)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: "/login" not in d.current_url)

        driver.get(f"{api.base_url}/dags/{NIGHTLY}")  # the DAG page opens on its grid
        # the grid lists the DAG's tasks once the runs are loaded
        wait.until(lambda d: all(name in d.find_element(By.TAG_NAME, "body").text
                                 for name in ("plan", "summarize", "run_complete")))
        runs_in_grid = api.dag_runs(NIGHTLY)
        time.sleep(2)  # let the run bars finish painting
        shot = artifacts_dir / "airflow_nightly_grid.png"
        driver.save_screenshot(str(shot))
        body = driver.find_element(By.TAG_NAME, "body").text
        driver.get(f"{api.base_url}/dags/{NIGHTLY}/runs/{run_id}")  # the run's own page
        wait.until(lambda d: run_id in d.find_element(By.TAG_NAME, "body").text)
        run_page = driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.quit()
    assert NIGHTLY in body
    assert shot.stat().st_size > 20_000
    assert run["state"] in ("success", "failed") and run_id in run_page
    assert run_id in {r["dag_run_id"] for r in runs_in_grid}  # among the runs the grid loads
