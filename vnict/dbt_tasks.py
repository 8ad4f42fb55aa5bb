"""The dbt project as Airflow tasks, how the project runs dbt, and the manifest cosmos reads."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections import Counter, deque
from datetime import timedelta
from pathlib import Path

from vnict.orchestration import DBT_POOL, WAREHOUSE_CONN_ID
from vnict.settings import Settings, load_settings

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    """A dbt command exited non-zero; the message ends with the tail of its output."""


class DbtBuildFailed(DbtError):
    """`dbt build` ran and some nodes errored or failed their tests; `results` says which."""

    def __init__(self, results: dict):
        self.results = results
        failed = "; ".join(f"{f['node']} ({f['status']}: {f['message']})" for f in results["failures"])
        super().__init__(f"dbt build: {len(results['failures'])} of {results['nodes']} nodes failed: {failed}")


def run_dbt(dsn: str | None, args: list[str], settings: Settings | None = None, echo: bool = False) -> None:
    """Run a dbt command on the project, against the warehouse ``dsn`` (None: the profile's own
    defaults); raise DbtError with dbt's output on failure. The one way the project runs dbt from
    Python. ``echo`` logs dbt's lines as they come (a task log), else only at debug level.

    Profile and target are always named (DBT_PROFILE, DBT_TARGET): dbt reuses a partial parse only
    for the same ones, so `dbt parse` and every later command share it."""
    from warehouse.connection import dbt_env

    settings = settings or load_settings()
    project = settings.dbt_project_dir
    env = {**os.environ, **(dbt_env(dsn) if dsn else {}), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_PROFILE": "vnict", "DBT_TARGET": "warehouse"}
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    log.info("running %s", " ".join(["dbt", *args]))
    tail: deque[str] = deque(maxlen=60)
    with subprocess.Popen(cmd, env=env, cwd=project, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT) as proc:
        for line in proc.stdout:
            line = line.rstrip()
            tail.append(line)
            log.log(logging.INFO if echo else logging.DEBUG, "dbt | %s", line)
    if proc.returncode != 0:
        output = "\n".join(tail)
        raise DbtError(f"dbt {' '.join(args)} failed (exit {proc.returncode}):\n{output[-4000:]}")


def build_project(dsn: str, settings: Settings | None = None) -> dict:
    """`dbt build` of the whole project; its results by node status, and every node that failed.

    Raises DbtBuildFailed when a model, seed or test failed (DbtError when dbt did not get as far as
    running nodes). dbt writes into the state folder, not dbt_project/target, whose manifest the
    DAGs and `dbt docs` read."""
    settings = settings or load_settings()
    results_file = build_results_file(settings)
    target = results_file.parent
    args = ["build", "--target-path", str(target), "--log-path", str(target.parent / "logs")]
    results_file.unlink(missing_ok=True)
    parsed = settings.dbt_project_dir / "target" / "partial_parse.msgpack"
    if parsed.exists() and not (target / parsed.name).exists():  # start from `dbt parse`'s work
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(parsed, target / parsed.name)
    try:
        run_dbt(dsn, args, settings, echo=True)
    except DbtError:
        if not results_file.exists():
            raise
        results = read_run_results(results_file)
        if not results["failures"]:
            raise
        raise DbtBuildFailed(results) from None
    return read_run_results(results_file)


def build_results_file(settings: Settings) -> Path:
    """Where build_project leaves dbt's run_results.json (the state folder's dbt target)."""
    return settings.state_dir / "dbt" / "target" / "run_results.json"


def read_run_results(path: Path) -> dict:
    """Counts by resource type and status, the failed nodes and the tests that warned, from dbt's
    run_results.json."""
    data = json.loads(path.read_text())
    by_status: Counter = Counter()
    by_type: Counter = Counter()
    failures, warnings = [], []
    for r in data.get("results", []):
        kind, _, name = r["unique_id"].split(".")[:3]  # test.vnict.<name>.<hash>, model.vnict.<name>
        by_status[r["status"]] += 1
        by_type[kind] += 1
        if r["status"] in ("error", "fail", "runtime error"):
            failures.append({"node": name, "status": r["status"],
                             "message": " ".join(str(r.get("message") or "").split())[:300]})
        elif r["status"] == "warn":
            warnings.append(name)
    return {"nodes": sum(by_status.values()), "by_status": dict(by_status), "by_type": dict(by_type),
            "elapsed_s": round(data.get("elapsed_time") or 0, 1), "failures": failures, "warnings": warnings}


def ensure_dbt_manifest(settings: Settings | None = None, force: bool = False) -> Path:
    """Write dbt_project/target/manifest.json with `dbt parse` when missing or older than the project.

    The DAGs load the dbt graph from this file, so parsing a DAG never runs dbt.
    """
    from warehouse.connection import airflow_uri

    settings = settings or load_settings()
    project = settings.dbt_project_dir
    manifest = project / "target" / "manifest.json"
    stamp = manifest.with_name("manifest.connection")
    target = _connection_fingerprint(settings)
    if not force and manifest.exists() and stamp.exists() and stamp.read_text() == target:
        newest = max((p.stat().st_mtime for d in ("models", "seeds", "macros", "tests", "analyses")
                      for p in (project / d).rglob("*") if p.is_file()), default=0)
        newest = max([newest] + [(project / f).stat().st_mtime for f in ("dbt_project.yml", "profiles.yml")])
        if manifest.stat().st_mtime >= newest:
            return manifest
    # Parse against the connection the tasks will use, so that their dbt reuses this parse
    # (dbt's partial parsing requires the same host, port, user, database and schema).
    uri = airflow_uri(settings.warehouse)
    log.info("writing the dbt manifest (dbt parse)")
    run_dbt(uri if uri and uri.startswith("postgres") else None,
            ["parse"], settings)
    if not manifest.exists():
        raise RuntimeError(f"`dbt parse` wrote no {manifest}")
    stamp.write_text(target)
    return manifest


def _connection_fingerprint(settings: Settings) -> str:
    """host:port/db@user of the warehouse the manifest was parsed for (no password)."""
    from urllib.parse import urlsplit

    from warehouse.connection import airflow_uri

    uri = airflow_uri(settings.warehouse) or ""
    parts = urlsplit(uri)
    return f"{parts.username}@{parts.hostname}:{parts.port}{parts.path} profile=vnict target=warehouse"


# How the DAGs run dbt. Measured on the marts DAG (2 shared cores; a plain `dbt build` takes 6-10 s):
#   project - one task, `dbt build` of the whole project (build_project); its log and return value
#             list every node's result. Default: the dbt phase is a few seconds over dbt's own time.
#   watcher - cosmos' watcher mode: a producer task runs the build and one deferred sensor per seed,
#             model and test shows that node in the grid; 38-53 s. The producer pushes an XCom per
#             node (slower dbt) and each of the 45 sensors is a task start of its own.
# cosmos' TestBehavior.BUILD (a `dbt build --select` task per model) took 104 s and a run task plus a
# test task per model about 140 s.
DBT_EXECUTION = os.environ.get("VNICT_DBT_EXECUTION", "project")


def dbt_task_group(group_id: str = "dbt", **kwargs):
    """The dbt build of a DAG run, as a task group: one task (`project`) or cosmos' watcher.

    One build at a time across runs and DAGs (the pool dbt_build), and it is not retried: a failing
    data test fails the same way again, minutes later."""
    mode = DBT_EXECUTION
    if mode == "project":
        return _project_task_group(group_id, **kwargs)
    if mode == "watcher":
        return _watcher_task_group(group_id, **kwargs)
    raise ValueError(f"VNICT_DBT_EXECUTION must be project or watcher, got {mode!r}")


def _project_task_group(group_id: str, **kwargs):
    from airflow.sdk import TaskGroup, task

    with TaskGroup(group_id=group_id, tooltip="dbt build of the whole project", **kwargs) as group:
        @task(task_id="build", pool=DBT_POOL, retries=0)
        def build() -> dict:
            """`dbt build` of the whole project: seeds, models and every data test."""
            from vnict.orchestration import warehouse_dsn

            results = build_project(warehouse_dsn())
            print(f"dbt build: {results['nodes']} nodes {results['by_type']}, {results['by_status']} "
                  f"in {results['elapsed_s']} s")
            return results

        build()
    return group


def _watcher_task_group(group_id: str, **kwargs):
    """The project as cosmos tasks in watcher mode, loaded from the manifest: no dbt at parse time,
    no `dbt deps`."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    settings = load_settings()
    manifest = settings.dbt_project_dir / "target" / "manifest.json"
    if not manifest.exists():
        raise FileNotFoundError(
            f"{manifest} is missing: the DAG loads the dbt graph from it. Create it with "
            "`vnict ui`, `vnict run` or `dbt parse --project-dir dbt_project --profiles-dir dbt_project`")
    # The sensors wait in the triggerer (deferrable: cosmos' poke mode never ends for detached tests).
    # 5 s between looks: a trigger firing within a second or two of the deferral can meet an Airflow
    # scheduler race (apache/airflow#67287, #72716) that fails the task; most sensors start after
    # their node finished and succeed without deferring at all.
    operator_args = {"install_deps": False, "poke_interval": 5}
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=settings.dbt_project_dir,
            manifest_path=manifest,
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="vnict",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=WAREHOUSE_CONN_ID,
                # as in dbt_project/profiles.yml, which `dbt parse` used: same profile, reusable parse
                profile_args={"schema": "dbt", "threads": 2, "connect_timeout": 10}),
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.DBT_RUNNER,
            # a model's test task runs only the tests of that model, not tests on models not built yet
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
            dbt_executable_path=Path(sys.executable).with_name("dbt"),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            # tests spanning several models (relationships, singular tests) run once all of them are built
            should_detach_multiple_parents_tests=True,
            dbt_deps=False,
            emit_datasets=False,
        ),
        operator_args=operator_args,
        **kwargs,
    )
    for task in group.iter_tasks():
        if "Producer" in type(task).__name__:
            # it runs the data tests, so a failing test fails it, and the run, at once: not run again
            task.pool = DBT_POOL
            task.retries = 0
        else:
            # a sensor only shows its node's result from the build; one retry seconds later gets it past
            # the scheduler race above (measured: 2 of 6 nightly runs lost a test sensor to it)
            task.retries = 1
            task.retry_delay = timedelta(seconds=5)
            task.max_retry_delay = timedelta(seconds=10)
    return group
