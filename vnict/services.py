"""Background services the project starts for itself: the portal mirror, and Airflow's environment."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from vnict.settings import REPO_ROOT, Settings
from warehouse.connection import default_uri

log = logging.getLogger(__name__)


class ServiceError(RuntimeError):
    """A background service could not be started; the message says why."""


# -- portal mirror ---------------------------------------------------------------------------------

def _mirror_pidfile(settings: Settings) -> Path:
    return settings.run_dir / "mirror.pid"


def mirror_pid(settings: Settings) -> int | None:
    """The mirror's pid, only when that process is the mirror serving this state folder: after a
    reboot or a kill the pid in a stale file may belong to any other process."""
    try:
        pid = int(_mirror_pidfile(settings).read_text())
        os.kill(pid, 0)
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if b"portal_mirror" not in argv or str(settings.mirror_sites_file).encode() not in argv:
        log.warning("ignoring stale %s: pid %d is not this project's mirror", _mirror_pidfile(settings), pid)
        return None
    return pid


def _mirror_code_fingerprint() -> str:
    """What the mirror serves is its code and its sites table: a mirror started before either changed
    is not the mirror this checkout describes."""
    digest = hashlib.sha256()
    root = REPO_ROOT / "portal_mirror"
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.yaml")]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def start_mirror(settings: Settings, faults: Path | None = None, timeout: float = 60) -> dict[str, str]:
    """Start the mirror in the background (once); return {site_id: base_url}."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    sites_file = settings.mirror_sites_file
    plan_file = settings.run_dir / "mirror.faults"
    wanted = (str(Path(faults).resolve()) if faults else "") + "\n" + _mirror_code_fingerprint()
    if mirror_pid(settings) is not None and sites_file.exists():
        running = plan_file.read_text() if plan_file.exists() else None
        if running == wanted:
            return json.loads(sites_file.read_text())
        # a mirror left behind by a killed run may inject another run's faults, or serve the sites of
        # an older checkout: start a fresh one
        log.warning("the running portal mirror has another fault plan or older sites; restarting it")
        stop_mirror(settings)
    sites_file.unlink(missing_ok=True)
    plan_file.write_text(wanted)
    cmd = [sys.executable, "-m", "portal_mirror", "serve", "--port", str(settings.mirror_port),
           "--sites-file", str(sites_file), "--log", str(settings.log_dir / "mirror-requests.jsonl")]
    if faults:
        cmd += ["--faults", str(faults)]
    stderr = open(settings.log_dir / "mirror.log", "ab")
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                            start_new_session=True)
    _mirror_pidfile(settings).write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not sites_file.exists():
        if proc.poll() is not None:
            raise ServiceError(f"the portal mirror exited at start (exit {proc.returncode}); "
                               f"see {settings.log_dir / 'mirror.log'}")
        if time.monotonic() > deadline:
            proc.terminate()
            raise ServiceError(f"the portal mirror did not start within {timeout:.0f} s")
        time.sleep(0.1)
    sites = json.loads(sites_file.read_text())
    log.info("portal mirror serving %d sites from port %d (pid %d)", len(sites), settings.mirror_port, proc.pid)
    return sites


def stop_mirror(settings: Settings) -> bool:
    pid = mirror_pid(settings)
    settings.mirror_sites_file.unlink(missing_ok=True)
    _mirror_pidfile(settings).unlink(missing_ok=True)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    log.info("portal mirror stopped")
    return True


# -- Redis (the Celery broker when the project starts its own) ------------------------------------

def start_redis(settings: Settings, port: int, timeout: float = 30) -> subprocess.Popen:
    """Debian's redis-server on 127.0.0.1:port, nothing persisted; stop it with stop_redis()."""
    import shutil
    import socket

    exe = shutil.which("redis-server")
    if not exe:
        raise ServiceError("redis-server is not installed (Debian: apt-get install redis-server)")
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    out = open(settings.log_dir / f"redis-{port}.log", "ab")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(settings.state_dir)], stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise ServiceError(f"redis-server did not start on port {port}; see {out.name}")
        time.sleep(0.1)


def stop_redis(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- Airflow ---------------------------------------------------------------------------------------

def airflow_environment(settings: Settings) -> dict[str, str]:
    """Environment for Airflow commands on the project's configuration (home and SQLite in .state)."""
    home = settings.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_metadata_uri(settings),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # No phoning home: there is no internet here, and a lookup per task slows every task down.
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(settings.state_dir / "cosmos"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # task slots: the portals' crawls (pool portal_crawl) side by side, plus the dbt sensors
        "AIRFLOW__CORE__PARALLELISM": "10",
        # One secret for every component (api-server, scheduler, task runners), kept in the state folder.
        "AIRFLOW__API_AUTH__JWT_SECRET": _state_secret(home / "jwt_secret"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        "VNICT_STATE_DIR": str(settings.state_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    warehouse_uri = default_uri(settings.warehouse)
    if warehouse_uri:  # the Airflow connection `warehouse`, unless the user defines it
        env["AIRFLOW_CONN_WAREHOUSE"] = warehouse_uri
    return {**os.environ, **{k: v for k, v in env.items() if k not in os.environ or k == "PYTHONPATH"}}


def airflow_metadata_uri(settings: Settings) -> str:
    """Airflow's metadata database: a database `airflow` on the embedded cluster when it runs (the
    scheduler, api-server and task runners write concurrently, which SQLite cannot take: backfills
    are refused on it), else SQLite in the state folder."""
    if not settings.warehouse_dsn:
        from warehouse.embedded import EmbeddedPostgres, WarehouseError

        try:
            import psycopg

            cluster = EmbeddedPostgres(settings.warehouse)
            with psycopg.connect(cluster.dsn("postgres"), autocommit=True, connect_timeout=5) as conn:
                if not conn.execute("select 1 from pg_database where datname = 'airflow'").fetchone():
                    conn.execute('create database "airflow"')
            return cluster.dsn("airflow").replace("postgresql://", "postgresql+psycopg2://", 1)
        except (WarehouseError, psycopg.OperationalError) as exc:
            log.info("Airflow metadata in SQLite (embedded Postgres not reachable: %s)", exc)
    return f"sqlite:///{settings.airflow_home / 'airflow.db'}"


def _state_secret(path: Path) -> str:
    import secrets

    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def airflow(settings: Settings, *args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("airflow")
    log.info("airflow %s", " ".join(args))
    result = subprocess.run([str(exe), *args], env=airflow_environment(settings), cwd=REPO_ROOT,
                            text=True, capture_output=capture, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "")[-3000:] if capture else ""
        raise ServiceError(f"`airflow {' '.join(args)}` failed (exit {result.returncode}) {detail}")
    return result
