"""DAG tests parse the DAG files in a separate interpreter, as Airflow's dag-processor does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vnict.settings import REPO_ROOT

DAGS_DIR = REPO_ROOT / "dags"

# Runs in a child interpreter: imports Airflow first (the dag-processor has it loaded), then blocks
# sockets, database drivers and subprocesses, and times the parsing of each DAG file.
_PROBE = r"""
import json, socket, subprocess, sys, time
from pathlib import Path

from airflow.dag_processing.dagbag import DagBag
import psycopg, psycopg2

attempts = []

def _blocked(what):
    def fail(*args, **kwargs):
        attempts.append(f"{what} {args[:2]!r}")
        raise RuntimeError(f"{what} is not allowed while parsing a DAG file")
    return fail

socket.socket.connect = _blocked("socket.connect")
socket.create_connection = _blocked("socket.create_connection")
psycopg.connect = _blocked("psycopg.connect")
psycopg2.connect = _blocked("psycopg2.connect")
subprocess.Popen.__init__ = _blocked("subprocess")

out = {}
for path in sys.argv[1:]:
    before = len(attempts)
    t0 = time.perf_counter()
    bag = DagBag(dag_folder=path, bundle_name="probe")
    seconds = time.perf_counter() - t0
    dags = {}
    for dag_id, dag in bag.dags.items():
        dags[dag_id] = {
            "owners": sorted({t.owner for t in dag.tasks}),
            "min_retries": min((t.retries for t in dag.tasks), default=0),
            "tags": sorted(dag.tags),
            "doc_md": dag.doc_md or "",
            "schedule": repr(dag.timetable),
            "timetable_summary": f"{getattr(dag.timetable, 'expression', '')} {getattr(dag.timetable, 'timezone', '')}",
            "tasks": {t.task_id: {"upstream": sorted(t.upstream_task_ids), "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
                                  "mapped": bool(t.is_mapped or t.get_closest_mapped_task_group()),
                                  "retries": t.retries, "pool": t.pool,
                                  "retry_delay_s": t.retry_delay.total_seconds(),
                                  "retry_exponential_backoff": bool(t.retry_exponential_backoff),
                                  "execution_timeout_s": t.execution_timeout.total_seconds() if t.execution_timeout else None,
                                  "outlets": [getattr(o, "name", repr(o)) for o in t.outlets],
                                  "operator": type(t).__name__}
                      for t in dag.tasks},
            "asset_schedule": sorted(a.name for a in getattr(getattr(dag.timetable, "asset_condition", None), "objects", [])),
        }
    out[Path(path).name] = {"seconds": seconds, "errors": {Path(k).name: v for k, v in bag.import_errors.items()},
                            "dags": dags, "blocked": attempts[before:]}
print("PROBE-JSON " + json.dumps(out))
"""


@pytest.fixture(scope="session")
def dbt_manifest():
    from vnict.dbt_tasks import ensure_dbt_manifest

    return ensure_dbt_manifest()


@pytest.fixture(scope="session")
def airflow_test_env(tmp_path_factory, dbt_manifest) -> dict[str, str]:
    """A throwaway Airflow home and state folder: parsing never touches a developer's .state."""
    home = tmp_path_factory.mktemp("airflow_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "VNICT_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "VNICT_STATE_DIR": str(home / "state"),
        "PYTHONPATH": str(REPO_ROOT),
    })
    return env


def probe(files: list[str], env: dict[str, str]) -> dict:
    """{file name: {seconds, errors, dags, blocked}}, the files parsed in one child process."""
    result = subprocess.run([sys.executable, "-c", _PROBE, *files], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=180)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("PROBE-JSON ")), None)
    assert line, f"the DAG probe failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return json.loads(line[len("PROBE-JSON "):])


@pytest.fixture(scope="session")
def parsed_dags(airflow_test_env) -> dict:
    return probe(sorted(str(p) for p in DAGS_DIR.glob("*.py")), airflow_test_env)


@pytest.fixture(scope="session")
def parsed_watcher_dags(airflow_test_env) -> dict:
    """The DAGs with dbt in cosmos' watcher mode (VNICT_DBT_EXECUTION=watcher)."""
    return probe(sorted(str(p) for p in DAGS_DIR.glob("*.py")), {**airflow_test_env, "VNICT_DBT_EXECUTION": "watcher"})


def dag_files() -> list[str]:
    return sorted(p.name for p in Path(DAGS_DIR).glob("*.py"))
