"""`vnict run`: one nightly run as production runs it, through Airflow's scheduler on LocalExecutor.

The api-server, scheduler, dag-processor and triggerer start for the run and stop after it; their
output and the task logs stay in the state folder. While the run goes on the terminal shows progress;
at the end a table per portal, the marts, the run's wall time against the politeness bound, where
the logs are and how to connect a BI tool.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from vnict.airflow_ui import AirflowStack, ui_port
from vnict.services import ServiceError
from vnict.settings import Settings

NIGHTLY = "provincial_ict_nightly"
CRAWL_TASK, PARSE_TASK, DBT_TASK = "portal.crawl", "portal.parse", "dbt.build"
TERMINAL = {"success", "failed", "upstream_failed", "skipped", "removed"}
# Manual runs only: a stack started for one run must not also start the DAGs' scheduled runs.
RUN_ENV = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}


@dataclass
class NightlyRun:
    """What a finished run left: its state, task instances, the `summarize` report and timings."""
    run_id: str
    state: str
    wall_s: float
    task_instances: list[dict]
    summary: dict | None
    started_at: datetime
    log_dir: Path
    hosts: dict[str, dict] = field(default_factory=dict)

    def tis(self, task_id: str) -> list[dict]:
        return [t for t in self.task_instances if t["task_id"] == task_id]

    def span_s(self, tis: list[dict]) -> float | None:
        """First start to last end of these task instances, in seconds."""
        starts = [_ts(t["start_date"]) for t in tis if t.get("start_date")]
        ends = [_ts(t["end_date"]) for t in tis if t.get("end_date")]
        return (max(ends) - min(starts)).total_seconds() if starts and ends else None

    def busy_s(self, tis: list[dict]) -> float | None:
        """The time these task instances ran, each from its start to its end, added up (not the time
        they waited in the queue between them)."""
        spans = [self.span_s([t]) for t in tis]
        return sum(s for s in spans if s is not None) if any(s is not None for s in spans) else None

    @property
    def crawl_wall_s(self) -> float | None:
        return self.span_s(self.tis(CRAWL_TASK))

    @property
    def dbt_phase_s(self) -> float | None:
        return self.span_s([t for t in self.task_instances if t["task_id"].startswith("dbt.")])

    @property
    def politeness_bound_s(self) -> float:
        """Per host, (requests - 1) x its minimum interval; the largest over hosts."""
        return max(((h["requests"] - 1) * h["interval"] for h in self.hosts.values() if h["requests"]),
                   default=0.0)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- the run ---------------------------------------------------------------------------------------

def run_nightly(settings: Settings, dsn: str, conf: dict, logical_date: str | None = None,
                port: int | None = None, out=None, poll_s: float = 2.0) -> NightlyRun:
    """Start Airflow, trigger one nightly run, show progress until it ends, stop Airflow."""
    out = out or sys.stdout
    stack = AirflowStack(settings, port or ui_port(), extra_env=dict(RUN_ENV))
    print(f"starting Airflow (api-server, scheduler, dag-processor, triggerer; output in "
          f"{settings.log_dir}/airflow-*.log)", file=out, flush=True)
    stack.start(timeout=300)
    was_paused = None
    try:
        dag = _wait_for_dag(stack, NIGHTLY, timeout=300)
        was_paused = dag["is_paused"]
        if was_paused:  # a paused DAG's runs are not scheduled; paused again afterwards
            stack.api("PATCH", f"/dags/{NIGHTLY}", {"is_paused": False})
        started_at = datetime.now(timezone.utc)
        run_id = f"manual__vnict_run_{started_at:%Y%m%dT%H%M%S}"
        stack.api("POST", f"/dags/{NIGHTLY}/dagRuns", {
            "dag_run_id": run_id, "logical_date": logical_date or started_at.isoformat(), "conf": conf})
        began = time.monotonic()
        progress = Progress(out)
        while True:
            run = stack.api("GET", f"/dags/{NIGHTLY}/dagRuns/{run_id}")
            tis = _task_instances(stack, run_id)
            progress.show(_progress_counts(dsn, run_id, tis), time.monotonic() - began)
            if run["state"] in ("success", "failed"):
                break
            _check_alive(stack)
            time.sleep(poll_s)
        progress.done()
        wall = time.monotonic() - began
        summary = None
        try:
            summary = stack.api("GET", f"/dags/{NIGHTLY}/dagRuns/{run_id}/taskInstances/summarize/xcomEntries/"
                                "return_value")["value"]
        except ServiceError:
            pass
        result = NightlyRun(run_id, run["state"], wall, tis, summary, started_at, settings.airflow_home / "logs")
        result.hosts = _host_stats(stack, run_id, tis)
        return result
    finally:
        if was_paused:
            try:
                stack.api("PATCH", f"/dags/{NIGHTLY}", {"is_paused": True})
            except (ServiceError, OSError):
                pass
        stack.stop()


def _wait_for_dag(stack: AirflowStack, dag_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return stack.api("GET", f"/dags/{dag_id}")
        except ServiceError:
            if time.monotonic() > deadline:
                errors = stack.api("GET", "/importErrors").get("import_errors", [])
                raise ServiceError(f"the DAG {dag_id} was not parsed within {timeout:.0f} s; import errors: "
                                   f"{[e.get('stack_trace', '')[-500:] for e in errors] or 'none'}") from None
        _check_alive(stack)
        time.sleep(2)


def _check_alive(stack: AirflowStack) -> None:
    for name, proc in stack.processes.items():
        if proc.poll() is not None:
            raise ServiceError(f"airflow {name} stopped (exit {proc.returncode}); see "
                               f"{stack.settings.log_dir / f'airflow-{name}.log'}")


def _task_instances(stack: AirflowStack, run_id: str) -> list[dict]:
    tis, offset = [], 0
    while True:
        page = stack.api("GET", f"/dags/{NIGHTLY}/dagRuns/{run_id}/taskInstances", limit=100, offset=offset)
        tis += page["task_instances"]
        offset += 100
        if offset >= page["total_entries"]:
            return tis


def _host_stats(stack: AirflowStack, run_id: str, tis: list[dict]) -> dict[str, dict]:
    """Requests and enforced interval per host, from the crawl tasks' reports."""
    hosts: dict[str, dict] = {}
    for ti in tis:
        if ti["task_id"] != CRAWL_TASK or ti["state"] != "success":
            continue
        try:
            value = stack.api("GET", f"/dags/{NIGHTLY}/dagRuns/{run_id}/taskInstances/{CRAWL_TASK}/xcomEntries/"
                              "return_value", map_index=ti["map_index"])["value"]
        except ServiceError:
            continue
        for host, h in (value.get("hosts") or {}).items():
            seen = hosts.setdefault(host, {"requests": 0, "interval": h["interval"]})
            seen["requests"] += h["requests"]
    return hosts


# -- progress --------------------------------------------------------------------------------------

def _progress_counts(dsn: str, run_id: str, tis: list[dict]) -> dict:
    crawls = [t for t in tis if t["task_id"] == CRAWL_TASK and t["map_index"] >= 0]
    dbt = [t for t in tis if t["task_id"].startswith("dbt.")]
    counts = {"portals_done": sum(t["state"] in TERMINAL for t in crawls), "portals": len(crawls),
              "dbt_done": sum(t["state"] in TERMINAL for t in dbt), "dbt": len(dbt)}
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            counts["pages"], counts["articles"], counts["figures"] = conn.execute(
                "select (select count(*) from raw.fetch_log where run_id = %s and outcome in ('stored', 'not_modified')),"
                " (select count(*) from staging.articles), (select count(*) from staging.indicator_mentions)",
                (run_id,)).fetchone()
    except psycopg.Error:
        counts.update(pages=0, articles=0, figures=0)
    return counts


class Progress:
    """A bar redrawn in place on a terminal; elsewhere a plain line when something moved (at most
    every 30 s)."""

    def __init__(self, out):
        self.out = out
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.last = None
        self.last_at = 0.0

    def show(self, c: dict, elapsed: float) -> None:
        line = (f"portals {c['portals_done']}/{c['portals'] or '?'}  pages {c['pages']}  articles {c['articles']}  "
                f"figures {c['figures']}  dbt {c['dbt_done']}/{c['dbt']}  {_duration(elapsed)}")
        if self.tty:
            done = c["portals_done"] + c["dbt_done"]
            total = max(c["portals"] + c["dbt"], 1)
            width = 20
            bar = "#" * int(width * done / total)
            self.out.write(f"\r[{bar:<{width}}] {line}\033[K")
            self.out.flush()
        else:
            key = (c["portals_done"], c["dbt_done"])
            if key != self.last and time.monotonic() - self.last_at >= 30 or self.last is None:
                print(line, file=self.out, flush=True)
                self.last, self.last_at = key, time.monotonic()

    def done(self) -> None:
        if self.tty:
            self.out.write("\n")
            self.out.flush()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


# -- the report ------------------------------------------------------------------------------------

def intended_faults(settings: Settings) -> dict[tuple[str, str], str]:
    """(portal id, URL path) of the mirror's fixed fault items -> their kind; empty on live portals."""
    if settings.sources_mode != "mirror":
        return {}
    from portal_mirror import MirrorServer

    return {(f["site_id"], f["url_path"]): f["kind"] for f in MirrorServer().fixed_faults()}


def run_failures(dsn: str, run: NightlyRun, settings: Settings,
                 dbt: dict | None = None) -> tuple[list[tuple[str, str, str]], dict]:
    """(portal or task, what, why) for every failed request, lost window and failed task of the run;
    requests to the mirror's fixed fault items are counted apart, by kind ({kind: [portal, ...]});
    a failed dbt build names the failed nodes of `dbt` (dbt_results)."""
    faults = intended_faults(settings)
    out, intended = [], {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select portal_id, url, outcome, status_code, error from raw.fetch_log"
            " where run_id = %s and outcome not in ('stored', 'not_modified') order by portal_id, fetch_id",
            (run.run_id,)).fetchall()
        gaps = conn.execute(
            "select portal_id, window_start, window_end, reason from raw.crawl_gaps"
            " where closed_at is null and last_attempt_at >= %s order by portal_id", (run.started_at,)).fetchall()
    for portal, url, outcome, status, error in rows:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        kind = faults.get((portal, path))
        if kind:
            intended.setdefault(kind, []).append(portal)
        else:
            out.append((portal, path, f"{outcome}: {error or f'HTTP {status}'}"))
    for portal, start, end, reason in gaps:
        out.append((portal, f"window {start:%Y-%m-%d}..{end:%Y-%m-%d} kept for the next crawl", reason))
    upstream = [ti for ti in run.task_instances if ti["state"] == "upstream_failed" and ti["task_id"] != "run_complete"]
    for ti in run.task_instances:
        if ti["state"] == "failed":
            name = ti["task_id"] + (f"[{ti.get('rendered_map_index') or ti['map_index']}]" if ti["map_index"] >= 0 else "")
            out.append((name, "task failed", f"log: {task_log_dir(run, ti)}"))
            if ti["task_id"] == DBT_TASK and dbt:
                out += [(f"dbt {f['node']}", f["status"], f["message"]) for f in dbt["failures"]]
    if upstream:
        out.append((f"{len(upstream)} tasks", "not run (upstream failed)", ", ".join(t["task_id"] for t in upstream)[:200]))
    return out, intended


def dbt_results(run: NightlyRun, settings: Settings) -> dict | None:
    """The results of the run's dbt build (read_run_results), when it wrote them during this run."""
    from vnict.dbt_tasks import build_results_file, read_run_results

    path = build_results_file(settings)
    if not path.exists() or datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) < run.started_at:
        return None
    return read_run_results(path)


def task_log_dir(run: NightlyRun, ti: dict | None = None) -> Path:
    path = run.log_dir / f"dag_id={NIGHTLY}" / f"run_id={run.run_id}"
    return path / f"task_id={ti['task_id']}" if ti else path


def print_report(run: NightlyRun, dsn: str, settings: Settings, out=None) -> None:
    from vnict.pipeline import warehouse_summary

    out = out or sys.stdout
    w = lambda line="": print(line, file=out)  # noqa: E731
    w(f"\nNightly run {run.run_id}: {run.state.upper()} in {_duration(run.wall_s)}")
    portals = (run.summary or {}).get("portals") or []
    durations = {}
    for ti in run.tis(CRAWL_TASK) + run.tis(PARSE_TASK):
        key = ti.get("rendered_map_index") or str(ti["map_index"])
        durations.setdefault(key, []).append(ti)
    w(f"\n{'portal':20} {'status':7} {'pages':>6} {'new':>5} {'upd':>5} {'figures':>8} {'failures':>9} {'time':>6}")
    for p in portals:
        w(f"{p['portal_id']:20} {p['status']:7} {p['pages_fetched']:6d} {p['articles_new']:5d} "
          f"{p['articles_updated']:5d} {p['figures']:8d} {p['failures']:9d} "
          f"{_duration(run.busy_s(durations.get(p['portal_id'], []))):>6}")
    if not portals:
        w("  (no summary: the run ended before `summarize`)")
    dbt = dbt_results(run, settings)
    failures, intended = run_failures(dsn, run, settings, dbt)
    if intended:
        w("\nIntended failures (the mirror's fixed fault items, refused as they should be): " + ", ".join(
            f"{kind} x{len(portals)}" for kind, portals in sorted(intended.items())))
    w(f"Failures: {len(failures) or 'none'}")
    for who, what, why in failures:
        w(f"  {who:20} {what}\n  {'':20}   {why}")
    if dbt:
        more = f" and {len(dbt['warnings']) - 3} more" if len(dbt["warnings"]) > 3 else ""
        warned = f"; warned: {', '.join(dbt['warnings'][:3])}{more}" if dbt["warnings"] else ""
        w(f"dbt build: {dbt['nodes']} nodes ({', '.join(f'{k} {n}' for k, n in sorted(dbt['by_type'].items()))}): "
          f"{', '.join(f'{k} {n}' for k, n in sorted(dbt['by_status'].items()))}{warned}")
    totals = warehouse_summary(dsn)
    w("\nWarehouse: " + ", ".join(f"{k} {v if v is not None else '-'}" for k, v in totals.items()))
    crawl, bound = run.crawl_wall_s, run.politeness_bound_s
    ratio = f" = {crawl / bound:.2f} x the bound" if crawl and bound else ""
    w(f"Crawl: {_duration(crawl)} wall for a politeness bound of {_duration(bound)}{ratio} "
      f"(slowest host: (requests - 1) x its interval); dbt phase {_duration(run.dbt_phase_s)}")
    files = sum(1 for p in task_log_dir(run).rglob("*") if p.is_file()) if task_log_dir(run).exists() else 0
    w(f"Task logs: {task_log_dir(run)} ({files} files); Airflow's own: {settings.log_dir}/airflow-*.log")
    w("Debug one run in-process: .venv/bin/vnict run --debug (airflow dags test, output on the terminal)")
    w(f"BI: host {settings.pg_host}, port {settings.pg_port}, database {settings.pg_database}, user bi_reader "
      "(set BI_READER_PASSWORD, then `vnict migrate`), schema marts; engineers: psql \"$(.venv/bin/vnict dsn)\"")
