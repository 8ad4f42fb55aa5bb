"""Airflow's own processes (api-server, scheduler, dag-processor) on the project's configuration, so
an engineer sees the DAGs in a browser, triggers runs and creates backfills.

Everything lives in the state folder: the SQLite metadata database, logs, the JWT secret shared by
the components, and the login of the `admin` user (SimpleAuthManager).
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from vnict.services import ServiceError, airflow_environment
from vnict.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

COMPONENTS = ("api-server", "scheduler", "dag-processor")
USERNAME = "admin"


def ui_port() -> int:
    raw = os.environ.get("VNICT_AIRFLOW_PORT", "8080")
    try:
        return int(raw)
    except ValueError:
        raise ServiceError(f"VNICT_AIRFLOW_PORT must be a port number, got {raw!r}") from None


def ui_environment(settings: Settings, port: int) -> dict[str, str]:
    """airflow_environment() plus what the long-running components need to find each other."""
    base_url = f"http://127.0.0.1:{port}"
    extra = {
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "15",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
    }
    env = airflow_environment(settings)
    env.update({k: v for k, v in extra.items() if k not in os.environ})
    return env


def login(settings: Settings) -> tuple[str, str]:
    """The admin login, created once per state folder (SimpleAuthManager reads it from this file)."""
    path = settings.airflow_home / "simple_auth_manager_passwords.json"
    passwords = {}
    if path.exists():
        try:
            passwords = json.loads(path.read_text() or "{}")
        except json.JSONDecodeError:
            passwords = {}
    if USERNAME not in passwords:
        passwords[USERNAME] = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords) + "\n")
        path.chmod(0o600)
    return USERNAME, passwords[USERNAME]


@dataclass
class AirflowStack:
    """The running components; stop() ends exactly the processes this object started."""
    settings: Settings
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, components=COMPONENTS, timeout: float = 120) -> "AirflowStack":
        env = ui_environment(self.settings, self.port)
        exe = str(Path(sys.executable).with_name("airflow"))
        logs = self.settings.log_dir
        logs.mkdir(parents=True, exist_ok=True)
        login(self.settings)
        _check_port_free(self.port)
        migrate = subprocess.run([exe, "db", "migrate"], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL)
        if migrate.returncode != 0:
            raise ServiceError(f"`airflow db migrate` failed:\n{(migrate.stderr or migrate.stdout)[-3000:]}")
        for name in components:
            args = [exe, name] + (["--host", "127.0.0.1", "--port", str(self.port)] if name == "api-server" else [])
            out = open(logs / f"airflow-{name}.log", "ab")
            self.processes[name] = subprocess.Popen(args, env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            log.info("started airflow %s (pid %d), log in %s", name, self.processes[name].pid, out.name)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    self.stop()
                    raise ServiceError(f"airflow {name} exited at start (exit {proc.returncode}); see "
                                       f"{self.settings.log_dir / f'airflow-{name}.log'}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v2/monitor/health", timeout=5) as resp:
                    health = json.load(resp)
                if health.get("scheduler", {}).get("status") == "healthy" or "scheduler" not in self.processes:
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ServiceError(f"Airflow did not become healthy within {timeout:.0f} s; see the logs in "
                                   f"{self.settings.log_dir}")
            time.sleep(1)

    def stop(self) -> None:
        for name, proc in reversed(list(self.processes.items())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in self.processes.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _check_port_free(port: int) -> None:
    import socket

    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise ServiceError(f"port {port} is already in use; set VNICT_AIRFLOW_PORT to a free port")


def serve(settings: Settings, port: int | None = None) -> int:
    """`vnict ui`: warehouse, mirror, dbt manifest, then Airflow until Ctrl-C."""
    from vnict.orchestration import ensure_dbt_manifest
    from vnict.pipeline import prepare_warehouse
    from vnict.services import mirror_pid, start_mirror, stop_mirror

    port = port or ui_port()
    prepare_warehouse(settings)
    ensure_dbt_manifest(settings)
    started_mirror = False
    if settings.sources_mode == "mirror" and mirror_pid(settings) is None:
        start_mirror(settings)
        started_mirror = True
    stack = AirflowStack(settings, port)
    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
        user, password = login(settings)
        print(f"\nAirflow is up: {stack.base_url}\n  login: {user} / {password}\n"
              f"  DAGs: provincial_ict_nightly, provincial_ict_reprocess, provincial_ict_marts (new DAGs start\n"
              f"        paused: switch one on to schedule it; backfills: DAG page > Trigger > Backfill)\n"
              f"  logs: {settings.log_dir}/airflow-*.log\nCtrl-C stops Airflow (and the mirror it started).",
              flush=True)
        while not stopping:
            for name, proc in stack.processes.items():
                if proc.poll() is not None:
                    raise ServiceError(f"airflow {name} stopped (exit {proc.returncode}); see "
                                       f"{settings.log_dir / f'airflow-{name}.log'}")
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        if started_mirror:
            stop_mirror(settings)
    return 0
