"""Airflow's own processes (api-server, scheduler, dag-processor, triggerer) on the project's
configuration: `vnict ui` keeps them up for an engineer (DAGs in a browser, runs, backfills), `vnict
run` starts them for one run and stops them after.

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

# the triggerer runs deferred tasks (the dbt sensors of VNICT_DBT_EXECUTION=watcher), as in production
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
USERNAME = "admin"


def ui_port() -> int:
    raw = os.environ.get("VNICT_AIRFLOW_PORT", "8080")
    try:
        return int(raw)
    except ValueError:
        raise ServiceError(f"VNICT_AIRFLOW_PORT must be a port number, got {raw!r}") from None


def ui_environment(settings: Settings, port: int, extra_env: dict[str, str] | None = None) -> dict[str, str]:
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
    extra.update(extra_env or {})
    env = airflow_environment(settings)
    env.update({k: v for k, v in extra.items() if k not in os.environ})
    return env


def celery_environment(settings: Settings, broker_url: str) -> dict[str, str]:
    """CeleryExecutor: tasks go through the broker (Redis) to `airflow celery worker` processes, results
    into the metadata database. The same settings as docker-compose.yml."""
    from vnict.services import airflow_metadata_uri

    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_metadata_uri(settings).replace("+psycopg2", ""),
        # task instances record the worker's own name (VNICT_WORKER_HOSTNAME), not the machine's
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "vnict.airflow_ui.worker_hostname",
    }


def worker_hostname() -> str:
    """The hostname a task instance records: VNICT_WORKER_HOSTNAME when set (several Celery workers on
    one machine), else the machine's FQDN, as Airflow's default."""
    import socket

    return os.environ.get("VNICT_WORKER_HOSTNAME") or socket.getfqdn()


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
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _token: str = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, components=COMPONENTS, timeout: float = 120) -> "AirflowStack":
        env = ui_environment(self.settings, self.port, self.extra_env)
        exe = str(Path(sys.executable).with_name("airflow"))
        logs = self.settings.log_dir
        logs.mkdir(parents=True, exist_ok=True)
        login(self.settings)
        _check_port_free(self.port)
        migrate = subprocess.run([exe, "db", "migrate"], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL)
        if migrate.returncode != 0:
            raise ServiceError(f"`airflow db migrate` failed:\n{(migrate.stderr or migrate.stdout)[-3000:]}")
        _ensure_pools(self.settings, exe, env)
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

    def start_worker(self, name: str, concurrency: int = 4, queues: str = "default") -> None:
        """One `airflow celery worker` named `name` (Celery hostname and task instances' hostname)."""
        env = {**ui_environment(self.settings, self.port, self.extra_env), "VNICT_WORKER_HOSTNAME": name}
        exe = str(Path(sys.executable).with_name("airflow"))
        out = open(self.settings.log_dir / f"airflow-worker-{name}.log", "ab")
        # --skip-serve-logs: the workers share this machine's log folder (and would share a port)
        self.processes[f"worker-{name}"] = subprocess.Popen(
            [exe, "celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", str(concurrency),
             "--queues", queues, "--skip-serve-logs"],
            env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.info("started airflow celery worker %s (pid %d), log in %s", name,
                 self.processes[f"worker-{name}"].pid, out.name)

    # -- REST API v2 (what `vnict run` and the benchmarks drive the stack with) ------------------------

    def api(self, method: str, path: str, body: dict | None = None, **params) -> dict:
        """One call to /api/v2 as the admin user; the JWT is fetched on first use and on expiry."""
        from urllib.parse import urlencode

        if not self._token:
            user, password = login(self.settings)
            self._token = _request("POST", f"{self.base_url}/auth/token",
                                   {"username": user, "password": password})["access_token"]
        query = f"?{urlencode(params)}" if params else ""
        try:
            return _request(method, f"{self.base_url}/api/v2{path}{query}", body, self._token)
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                self._token = ""
                return self.api(method, path, body, **params)
            detail = exc.read().decode(errors="replace")[:1000]
            raise ServiceError(f"Airflow API {method} {path}: HTTP {exc.code} {detail}") from None

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


def _request(method: str, url: str, body: dict | None = None, token: str = "") -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def create_pools(settings: Settings | None = None) -> None:
    """The project's pools on the configured Airflow (docker-compose's airflow-init calls this)."""
    from vnict.services import airflow_environment
    from vnict.settings import load_settings

    settings = settings or load_settings()
    _ensure_pools(settings, str(Path(sys.executable).with_name("airflow")), airflow_environment(settings))


def _ensure_pools(settings: Settings, exe: str, env: dict[str, str]) -> None:
    """The project's pools (vnict.orchestration.POOLS) with their slots, before any task is queued."""
    from vnict.orchestration import POOLS

    path = settings.airflow_home / "pools.json"
    path.write_text(json.dumps({name: {"slots": slots, "description": description, "include_deferred": False}
                                for name, (slots, description) in POOLS.items()}, indent=1))
    result = subprocess.run([exe, "pools", "import", str(path)], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise ServiceError(f"`airflow pools import` failed:\n{(result.stderr or result.stdout)[-2000:]}")


def _check_port_free(port: int) -> None:
    import socket

    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise ServiceError(f"port {port} is already in use; set VNICT_AIRFLOW_PORT to a free port")


def serve(settings: Settings, port: int | None = None) -> int:
    """`vnict ui`: warehouse, mirror, dbt manifest, then Airflow until Ctrl-C."""
    from vnict.dbt_tasks import ensure_dbt_manifest
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
