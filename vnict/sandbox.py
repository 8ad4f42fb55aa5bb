"""A throwaway copy of the whole stack for the end-to-end tests and the benchmarks: a fresh state
folder, free ports, its own warehouse, mirror and Airflow (LocalExecutor, or CeleryExecutor with its
own Redis and named workers), and the backfills they run through the REST API."""
from __future__ import annotations

import os
import random
import shutil
import socket
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

NIGHTLY = "provincial_ict_nightly"
MARTS = "provincial_ict_marts"


MIRROR_PORTS = 16  # the mirror listens on one port per site: room for its sites and a few more


def free_port(span: int = 1, taken: set[int] | None = None) -> int:
    """The first of `span` consecutive loopback ports nothing is bound to, none of them in `taken`
    (ports chosen for servers that do not listen yet); adds them to it. Taken outside the ephemeral
    range: the local ports of outgoing connections come from there, and a connect test misses them."""
    taken = taken if taken is not None else set()
    for _ in range(200):
        port = random.randrange(20000, 32000 - span)
        ports = set(range(port, port + span))
        if not ports & taken and all(_bindable(p) for p in ports):
            taken |= ports
            return port
    raise RuntimeError(f"no run of {span} free ports between 20000 and 32000")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def isolated_state(prefix: str, mirror_port: int | None = None):
    """This process's environment on a fresh state folder with free ports; restored afterwards. Not
    under pytest's tmp folder: that one is private to root, and Postgres runs as its own user.
    `mirror_port`: the mirror's first port, for two stacks that must see the same URLs."""
    state = Path(tempfile.mkdtemp(prefix=prefix))
    state.chmod(0o755)
    taken: set[int] = set(range(mirror_port, mirror_port + MIRROR_PORTS)) if mirror_port else set()
    overrides = {"VNICT_STATE_DIR": str(state), "VNICT_MIRROR_PORT": str(mirror_port or free_port(MIRROR_PORTS, taken)),
                 "VNICT_PG_PORT": str(free_port(1, taken)), "VNICT_AIRFLOW_PORT": str(free_port(1, taken)),
                 "VNICT_SOURCES": "mirror"}
    cleared = [k for k in os.environ if k.startswith("AIRFLOW")] + ["WAREHOUSE_DSN"]
    saved = {k: os.environ.get(k) for k in [*overrides, *cleared]}
    for key in cleared:
        os.environ.pop(key, None)
    os.environ.update(overrides)
    try:
        yield state
    finally:
        from vnict.settings import load_settings
        from warehouse.embedded import EmbeddedPostgres

        EmbeddedPostgres(load_settings().warehouse).stop()
        shutil.rmtree(state, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Backfill:
    dsn: str
    runs: list[dict]
    task_instances: list[dict] = field(default_factory=list)
    wall_s: float = 0.0          # backfill created -> complete
    crawl_wall_s: float | None = None


def backfill_on_stack(state: Path, from_date: str, to_date: str, workers: tuple[str, ...] = (),
                      worker_concurrency: int = 4, build_marts: bool = True,
                      timeout: float = 1800) -> Backfill:
    """Warehouse, mirror and Airflow on the current (isolated) environment; a nightly backfill over
    [from_date, to_date] with `build_marts: false`, then the marts DAG once; everything stopped
    after. With `workers`, CeleryExecutor on a Redis of its own and one Celery worker per name."""
    from vnict.airflow_ui import AirflowStack, celery_environment, ui_port
    from vnict.nightly_run import RUN_ENV, _wait_for_dag
    from vnict.dbt_tasks import ensure_dbt_manifest
    from vnict.pipeline import prepare_warehouse
    from vnict.services import start_mirror, start_redis, stop_mirror, stop_redis
    from vnict.settings import load_settings

    settings = load_settings()
    dsn = prepare_warehouse(settings)
    start_mirror(settings)
    redis = stack = None
    try:
        ensure_dbt_manifest(settings)
        extra = dict(RUN_ENV)
        if workers:
            port = free_port(1, {ui_port(), settings.pg_port, *range(settings.mirror_port, settings.mirror_port + MIRROR_PORTS)})
            redis = start_redis(settings, port)
            extra.update(celery_environment(settings, f"redis://127.0.0.1:{port}/0"))
        stack = AirflowStack(settings, ui_port(), extra_env=extra).start(timeout=300)
        for name in workers:
            stack.start_worker(name, concurrency=worker_concurrency)
        for dag_id in (NIGHTLY, MARTS):
            _wait_for_dag(stack, dag_id, timeout=300)
        stack.api("PATCH", f"/dags/{NIGHTLY}", {"is_paused": False})
        began = time.monotonic()
        backfill = stack.api("POST", "/backfills", {
            "dag_id": NIGHTLY, "from_date": from_date, "to_date": to_date, "max_active_runs": 8,
            "dag_run_conf": {"build_marts": False}})
        deadline = time.monotonic() + timeout
        while stack.api("GET", f"/backfills/{backfill['id']}")["completed_at"] is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"backfill not complete after {timeout:.0f} s")
            time.sleep(2)
        wall = time.monotonic() - began
        runs = [r for r in stack.api("GET", f"/dags/{NIGHTLY}/dagRuns", limit=100)["dag_runs"]
                if r["run_type"] == "backfill"]
        tis = [t for r in runs for t in stack.api(
            "GET", f"/dags/{NIGHTLY}/dagRuns/{r['dag_run_id']}/taskInstances", limit=100)["task_instances"]]
        if build_marts:  # once, at the end, as the README says for long backfills
            stack.api("PATCH", f"/dags/{MARTS}", {"is_paused": False})
            _run_and_wait(stack, MARTS, timeout)
            # the staging assets may have queued a run of their own: let it end before stopping Airflow
            while any(r["state"] in ("queued", "running") for r in
                      stack.api("GET", f"/dags/{MARTS}/dagRuns", limit=100)["dag_runs"]):
                time.sleep(2)
        crawls = [t for t in tis if t["task_id"] == "portal.crawl" and t.get("start_date") and t.get("end_date")]
        return Backfill(dsn, runs, tis, wall, _span(crawls) if crawls else None)
    finally:
        if stack:
            stack.stop()
        if redis:
            stop_redis(redis)
        stop_mirror(settings)


def _span(tis: list[dict]) -> float:
    from datetime import datetime

    def ts(v):
        return datetime.fromisoformat(v.replace("Z", "+00:00"))
    return (max(ts(t["end_date"]) for t in tis) - min(ts(t["start_date"]) for t in tis)).total_seconds()


def _run_and_wait(stack, dag_id: str, timeout: float) -> dict:
    from datetime import datetime, timezone

    run_id = f"manual__{dag_id}_{int(time.time())}"
    stack.api("POST", f"/dags/{dag_id}/dagRuns", {"dag_run_id": run_id,
                                                   "logical_date": datetime.now(timezone.utc).isoformat(), "conf": {}})
    deadline = time.monotonic() + timeout
    while (run := stack.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))["state"] not in ("success", "failed"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id} {run_id} still {run['state']} after {timeout:.0f} s")
        time.sleep(2)
    return run


def warehouse_snapshot(dsn: str) -> dict[str, list[tuple]]:
    """Every row of staging.articles, staging.indicator_mentions and each table of schema marts, sorted,
    without the columns that differ between two equal loads (load times, serial page ids)."""
    import psycopg

    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [("staging", "articles"), ("staging", "indicator_mentions")] + conn.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = 'marts'"
            " and table_name not like '%%dbt_tmp%%' order by table_name").fetchall()
        for schema, table in tables:
            cols = [c for c, t in conn.execute(
                "select column_name, data_type from information_schema.columns where table_schema = %s"
                " and table_name = %s order by ordinal_position", (schema, table)).fetchall()
                if not t.startswith("timestamp") and c != "page_id"]
            select = ", ".join(f'"{c}"::text' for c in cols)
            out[f"{schema}.{table}"] = sorted(conn.execute(f'select {select} from "{schema}"."{table}"').fetchall(),
                                              key=lambda r: tuple("" if v is None else v for v in r))
    return out
