"""Every DAG file parses quickly, without touching network, database or dbt, and is well described."""
from __future__ import annotations

import pytest

from tests.dags.conftest import dag_files

EXPECTED_DAGS = {"provincial_ict_nightly", "provincial_ict_reprocess", "provincial_ict_marts"}


def _all_dags(parsed_dags) -> dict:
    return {dag_id: dag for info in parsed_dags.values() for dag_id, dag in info["dags"].items()}


def test_the_project_dags_are_all_there(parsed_dags):
    assert set(_all_dags(parsed_dags)) == EXPECTED_DAGS


@pytest.mark.parametrize("name", dag_files())
def test_dag_file_imports_without_error_fast_and_offline(parsed_dags, name):
    info = parsed_dags[name]
    assert info["errors"] == {}, info["errors"]
    assert info["dags"], f"{name} defines no DAG"
    assert info["blocked"] == [], f"{name} reached out while parsing: {info['blocked']}"
    assert info["seconds"] < 2.0, f"{name} took {info['seconds']:.2f} s to parse"


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_has_owner_retries_tags_and_docs(parsed_dags, dag_id):
    dag = _all_dags(parsed_dags)[dag_id]
    assert dag["owners"] == ["data-engineering"]
    # every task retries, except the dbt build: it runs the data tests, and a failing test fails the
    # same way again, so it fails at once
    tasks = dag["tasks"]
    assert all(v["retries"] >= 1 for t, v in tasks.items() if t != "dbt.build"), "every task retries"
    assert all(t["retry_exponential_backoff"] for t in dag["tasks"].values())
    assert all(t["execution_timeout_s"] for t in dag["tasks"].values()), "a hung task would hold the run forever"
    assert "vnict" in dag["tags"] and len(dag["tags"]) >= 2
    assert dag["doc_md"].lstrip().startswith("###") and len(dag["doc_md"]) > 200


@pytest.mark.parametrize("dag_id", ["provincial_ict_nightly", "provincial_ict_marts"])
def test_dbt_is_one_build_task_not_retried_one_at_a_time(parsed_dags, dag_id):
    from vnict.orchestration import DBT_POOL

    dbt = {t: v for t, v in _all_dags(parsed_dags)[dag_id]["tasks"].items() if t.startswith("dbt.")}
    assert list(dbt) == ["dbt.build"]
    assert dbt["dbt.build"]["retries"] == 0
    assert dbt["dbt.build"]["pool"] == DBT_POOL


def test_nightly_runs_at_two_in_vietnam(parsed_dags):
    dag = _all_dags(parsed_dags)["provincial_ict_nightly"]
    assert "0 2 * * *" in dag["timetable_summary"]
    assert "Asia/Ho_Chi_Minh" in dag["timetable_summary"]


def test_nightly_maps_crawl_and_parse_per_portal(parsed_dags):
    tasks = _all_dags(parsed_dags)["provincial_ict_nightly"]["tasks"]
    assert tasks["portal.crawl"]["mapped"] and tasks["portal.parse"]["mapped"]
    assert tasks["portal.parse"]["upstream"] == ["portal.crawl"]
    # downstream steps go on for the portals that succeeded
    assert tasks["extract"]["trigger_rule"] == "all_done"
    assert tasks["summarize"]["trigger_rule"] == "all_done"
    # ... and the run still ends failed when a portal or a dbt task failed
    assert tasks["run_complete"]["trigger_rule"] == "all_success"
    assert "portal.parse" in tasks["run_complete"]["upstream"]
    assert any(u.startswith("dbt.") for u in tasks["run_complete"]["upstream"])


def test_nightly_builds_the_marts_after_extraction(parsed_dags):
    tasks = _all_dags(parsed_dags)["provincial_ict_nightly"]["tasks"]
    assert tasks["dbt.build"]["upstream"] == ["marts_wanted"]
    assert tasks["marts_wanted"]["upstream"] == ["extract"]


def test_watcher_mode_renders_a_sensor_per_model_and_its_tests(parsed_watcher_dags, dbt_manifest):
    """VNICT_DBT_EXECUTION=watcher: one producer runs the build (not retried, in the pool), one sensor
    per seed, model and model's tests shows each node; the sensors retry once, seconds later."""
    import json

    from vnict.orchestration import DBT_POOL

    manifest = json.loads(dbt_manifest.read_text())
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    seeds = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "seed"}
    info = parsed_watcher_dags["provincial_ict_nightly.py"]
    assert info["errors"] == {}, info["errors"]
    tasks = info["dags"]["provincial_ict_nightly"]["tasks"]
    assert models and {f"dbt.{m}.run" for m in models} <= set(tasks)
    for seed in seeds:  # a seed with tests is a group (seed, test), one without a single task
        assert f"dbt.{seed}.seed" in tasks or f"dbt.{seed}_seed" in tasks, seed
    for model in models:
        assert tasks[f"dbt.{model}.test"]["upstream"] == [f"dbt.{model}.run"]
    producer = tasks["dbt.dbt_producer_watcher"]
    assert producer["retries"] == 0 and producer["pool"] == DBT_POOL
    sensors = [v for t, v in tasks.items() if t.startswith("dbt.") and v["operator"].startswith("Dbt")
               and "Producer" not in v["operator"]]
    assert sensors and all(v["retries"] == 1 and v["retry_delay_s"] <= 10 for v in sensors)
    roots = [t for t, v in tasks.items() if t.startswith("dbt.") and not any(u.startswith("dbt.") for u in v["upstream"])]
    assert roots and all(tasks[t]["upstream"] == ["marts_wanted"] for t in roots)


def test_staging_assets_feed_the_marts_dag(parsed_dags):
    dags = _all_dags(parsed_dags)
    staging = {"staging.articles", "staging.indicator_mentions"}
    assert set(dags["provincial_ict_marts"]["asset_schedule"]) == staging
    for dag_id in ("provincial_ict_nightly", "provincial_ict_reprocess"):
        outlets = {o for t in dags[dag_id]["tasks"].values() for o in t["outlets"]}
        assert outlets == staging, dag_id
    assert "dbt.build" in dags["provincial_ict_marts"]["tasks"]


def test_reprocess_never_fetches(parsed_dags):
    tasks = _all_dags(parsed_dags)["provincial_ict_reprocess"]["tasks"]
    assert set(tasks) == {"select_pages", "parse", "extract", "run_complete"}
    assert tasks["parse"]["mapped"]


def test_every_dag_ends_in_a_check_that_fails_the_run(parsed_dags):
    """A task on all_done as the only leaf ended a failed reprocess as a successful run."""
    for dag_id, dag in _all_dags(parsed_dags).items():
        tasks = dag["tasks"]
        leaves = [t for t in tasks if not any(t in v["upstream"] for v in tasks.values())]
        # none_failed (cosmos' gate after the watcher's sensors) fails too when a task before it failed
        lenient = [t for t in leaves if tasks[t]["trigger_rule"] not in ("all_success", "none_failed")]
        assert not lenient, f"{dag_id}: leaves {lenient} succeed whatever failed before them"
    reprocess = _all_dags(parsed_dags)["provincial_ict_reprocess"]["tasks"]
    assert set(reprocess["run_complete"]["upstream"]) == {"parse", "extract"}


def test_the_probe_catches_a_dag_that_reaches_the_database_at_import(tmp_path, airflow_test_env):
    from tests.dags.conftest import probe

    bad = tmp_path / "bad_dag.py"
    bad.write_text(
        "import psycopg\n"
        "from airflow.sdk import dag\n"
        "try:\n"
        "    psycopg.connect('postgresql://127.0.0.1:1/x')\n"
        "except Exception:\n"
        "    pass\n"
        "@dag(dag_id='bad', schedule=None)\n"
        "def bad():\n"
        "    pass\n"
        "bad()\n")
    info = probe([str(bad)], airflow_test_env)["bad_dag.py"]
    assert info["blocked"] and "psycopg.connect" in info["blocked"][0]


def test_dag_files_import_public_names_only():
    """DAG files wire tasks; what they call is the project's public surface, not its internals."""
    import ast

    from tests.dags.conftest import DAGS_DIR

    private = []
    for path in sorted(DAGS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("vnict", "scrapers",
                                                                                          "extraction", "warehouse"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


def test_portals_share_a_pool_and_dbt_builds_one_at_a_time(parsed_dags):
    from vnict.orchestration import CRAWL_POOL, DBT_POOL, POOLS

    dags = _all_dags(parsed_dags)
    assert dags["provincial_ict_nightly"]["tasks"]["portal.crawl"]["pool"] == CRAWL_POOL
    assert POOLS[CRAWL_POOL][0] >= 7, "the mirror's seven portals crawl side by side"
    assert POOLS[DBT_POOL][0] == 1
