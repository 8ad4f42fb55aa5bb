"""The dbt project as Airflow tasks (cosmos) and the manifest they are loaded from."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from vnict.orchestration import DBT_POOL, WAREHOUSE_CONN_ID
from vnict.settings import Settings, load_settings

log = logging.getLogger(__name__)


def run_dbt(dsn: str | None, args: list[str], settings: Settings | None = None) -> None:
    """Run a dbt command on the project, against the warehouse ``dsn`` (None: the profile's own
    defaults); raise with dbt's output on failure. The one way the project runs dbt from Python
    (the DAGs' tasks run it through cosmos)."""
    from warehouse.connection import dbt_env

    settings = settings or load_settings()
    project = settings.dbt_project_dir
    env = {**os.environ, **(dbt_env(dsn) if dsn else {}), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    log.info("running %s", " ".join(cmd[:1] + args))
    result = subprocess.run(cmd, env=env, cwd=project, text=True, capture_output=True)
    for line in result.stdout.splitlines():
        log.debug("dbt | %s", line)
    if result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {result.returncode}):\n"
                           f"{result.stdout[-3000:]}{result.stderr[-2000:]}")


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
            ["parse", "--profile", "vnict", "--target", "warehouse"], settings)
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


# How the dbt task group runs. Measured on the marts DAG over the make-run data (2 shared cores):
# watcher 53 s, build 104 s (a plain `dbt build` about 25 s).
#   watcher - one `dbt build` (the producer task, in the pool dbt_build) runs the whole project with
#             dbt's threads; one deferred sensor per seed/model/test shows each node's result;
#   build   - one `dbt build --select node` task per seed and model (its tests included);
#   after_each - one `dbt run` task per model and one `dbt test` task after it (a dbt start-up each).
DBT_EXECUTION = os.environ.get("VNICT_DBT_EXECUTION", "watcher")


def dbt_task_group(group_id: str = "dbt", **kwargs):
    """The dbt project as Airflow tasks (cosmos), loaded from the manifest: no dbt at parse time, no
    `dbt deps`. Data tests are not retried: a failing test fails the same way again, minutes later."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    settings = load_settings()
    manifest = settings.dbt_project_dir / "target" / "manifest.json"
    if not manifest.exists():
        raise FileNotFoundError(
            f"{manifest} is missing: the DAG loads the dbt graph from it. Create it with "
            "`vnict ui`, `vnict run` or `dbt parse --project-dir dbt_project --profiles-dir dbt_project`")
    mode = DBT_EXECUTION
    if mode not in ("watcher", "build", "after_each"):
        raise ValueError(f"VNICT_DBT_EXECUTION must be watcher, build or after_each, got {mode!r}")
    operator_args = {"install_deps": False}
    if mode == "watcher":
        # The sensors wait in the triggerer (deferrable: cosmos' poke mode never ends for detached tests).
        # 5 s between looks: a trigger firing within a second or two of the deferral can meet an Airflow
        # scheduler race (apache/airflow#67287, #72716) that fails the task; most sensors start after
        # their node finished and succeed without deferring at all.
        operator_args.update(poke_interval=5)
    else:
        # One instance of a node's task at a time across runs: two runs must not rebuild a table together.
        operator_args["max_active_tis_per_dag"] = 1
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
            execution_mode=ExecutionMode.WATCHER if mode == "watcher" else ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            # a model's test task runs only the tests of that model, not tests on models not built yet
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
            dbt_executable_path=Path(sys.executable).with_name("dbt"),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD if mode == "build" else TestBehavior.AFTER_EACH,
            # tests spanning several models (relationships, singular tests) run once all of them are built
            should_detach_multiple_parents_tests=True,
            dbt_deps=False,
            emit_datasets=False,
        ),
        operator_args=operator_args,
        **kwargs,
    )
    for task in group.iter_tasks():
        name = type(task).__name__
        if "Producer" in name:
            # one whole-project build at a time across runs and DAGs; it runs the data tests, so a
            # failing test fails it, and the run, at once: it is not run again
            task.pool = DBT_POOL
            task.retries = 0
        elif mode == "watcher":
            # a sensor only shows its node's result from the build; one retry seconds later gets it past
            # the scheduler race above (measured: 2 of 6 nightly runs lost a test sensor to it)
            task.retries = 1
            task.retry_delay = timedelta(seconds=5)
            task.max_retry_delay = timedelta(seconds=10)
        elif "Test" in name or mode == "build":  # a build task runs its model's tests
            task.retries = 0
    return group
