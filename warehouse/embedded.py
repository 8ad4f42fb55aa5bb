"""The embedded warehouse: a Postgres 16 cluster run from the `pgserver` package's binaries.

The cluster lives in the state folder and listens on 127.0.0.1 so BI tools on the same machine can
connect with a password. Every connection needs a password, the local socket's included, and the
socket is reachable by the service account alone: any local user could otherwise become the
warehouse's superuser. Starting is idempotent and guarded by a file lock, so concurrent Airflow
tasks may all call `ensure_running`.
"""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from warehouse.settings import WarehouseSettings

log = logging.getLogger(__name__)

# How long a start after a crash waits for the killed server's last processes to let go of its port.
_AFTER_CRASH_WAIT = 15.0

# Postgres refuses to run as root; pgserver uses this unprivileged account for the same reason.
SERVICE_USER = "pgserver"

# Written on every start, so a cluster initialised by an older version loses its trust lines too.
HBA_RULES = """\
# Managed by vnict (warehouse/embedded.py): rewritten at every start.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
"""


class WarehouseError(RuntimeError):
    """The warehouse cannot be started or reached; the message says why and what to do."""


def _alive(pid: int) -> bool:
    """A process that runs: a zombie (killed, not yet reaped by a parent that may never reap it)
    does not count, though it still holds its pid."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state not in ("Z", "X")


def _check_reachable_by_others(path: Path, what: str) -> None:
    """The service account must be able to walk down to `path`. Rather than open up the folders
    above it (they are not the project's), say which one is closed and what to do."""
    for parent in [*reversed(path.resolve().parents), path.resolve()]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise WarehouseError(
                f"Postgres runs as the unprivileged user {SERVICE_USER!r}, which cannot reach {what} "
                f"({path}): {parent} is closed to other users. Set VNICT_STATE_DIR to a folder under "
                f"an open path (for example /var/tmp/vnict), or open it yourself: chmod o+x {parent}")


def _bin_dir() -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


@dataclass
class EmbeddedPostgres:
    settings: WarehouseSettings

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def socket_dir(self) -> Path:
        return self.settings.run_dir / "pg"

    @property
    def password_file(self) -> Path:
        return self.settings.state_dir / "pg_password"

    @property
    def log_file(self) -> Path:
        return self.settings.log_dir / "postgres.log"

    # -- public API -------------------------------------------------------------------------------

    def dsn(self, database: str | None = None) -> str:
        s = self.settings
        password = quote(self._password(), safe="")
        return f"postgresql://{s.user}:{password}@{s.host}:{s.port}/{database or s.database}"

    def ensure_running(self) -> str:
        """Initialise the cluster if needed, start it if it is not running, and return its DSN."""
        self._prepare_state_dir()
        with self._lock():
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            pid = self._running_pid()
            if pid is None:
                self._start()
            else:
                log.info("embedded Postgres already running (pid %s) on %s:%s", pid,
                         self.settings.host, self.settings.port)
            try:
                self._ensure_database()
            except psycopg.OperationalError as exc:
                if pid is None or not self._wait_gone(pid):
                    raise WarehouseError(f"the embedded warehouse does not answer: {exc}") from exc
                # a server killed a moment ago still had a pid: start a new one now that it is gone
                log.warning("embedded Postgres (pid %s) was dying; starting it again", pid)
                self._start()
                self._ensure_database()
        return self.dsn()

    def _wait_gone(self, pid: int, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._running_pid() != pid:
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> bool:
        """Stop the cluster; return False when it was not running."""
        with self._lock():
            if self._running_pid() is None:
                return False
            self._pg_ctl(["-m", "fast", "-w", "stop"])
            log.info("embedded Postgres stopped")
            return True

    def status(self) -> dict:
        pid = self._running_pid() if self.data_dir.exists() else None
        return {"running": pid is not None, "pid": pid, "data_dir": str(self.data_dir),
                "host": self.settings.host, "port": self.settings.port}

    # -- steps ------------------------------------------------------------------------------------

    def _prepare_state_dir(self) -> None:
        state = self.settings.state_dir
        try:
            for d in (state, self.settings.run_dir, self.socket_dir, self.settings.log_dir):
                d.mkdir(parents=True, exist_ok=True)
            probe = state / ".write-probe"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise WarehouseError(
                f"the state folder {state} is not writable ({exc.strerror}); "
                "set VNICT_STATE_DIR to a folder you can write to") from exc
        if len(str(self.socket_dir / ".s.PGSQL.00000")) > 100:
            raise WarehouseError(
                f"the state folder path {state} is too long for a Postgres socket; "
                "set VNICT_STATE_DIR to a shorter path")

    def _initdb(self) -> None:
        log.info("initialising embedded Postgres cluster in %s", self.data_dir)
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        self.data_dir.chmod(0o700)
        pwfile = self.settings.run_dir / "initdb.pw"
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(18))
            self.password_file.chmod(0o600)
        pwfile.write_text(self._password())
        self._hand_over([self.data_dir, self.socket_dir, self.settings.log_dir, pwfile])
        try:
            self._run([str(_bin_dir() / "initdb"), "-D", str(self.data_dir), "-U", self.settings.user,
                       "--encoding=UTF8", "--locale=C.UTF-8", "--auth-local=scram-sha-256",
                       "--auth-host=scram-sha-256", f"--pwfile={pwfile}"])
        finally:
            pwfile.unlink(missing_ok=True)

    def _start(self) -> None:
        s = self.settings
        stale = self.data_dir / "postmaster.pid"
        self._check_port_free(wait=_AFTER_CRASH_WAIT if stale.exists() else 0.0)
        if stale.exists():
            log.warning("removing stale %s left by a crashed server", stale)
            stale.unlink()
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):  # the killed server's socket lock
            try:
                owner = int(lock.read_text().splitlines()[0])
            except (OSError, ValueError, IndexError):
                owner = None
            deadline = time.monotonic() + _AFTER_CRASH_WAIT
            while owner is not None and _alive(owner) and time.monotonic() < deadline:
                time.sleep(0.1)  # killed a moment ago, still exiting: it releases nothing until it is gone
            if owner is None or not _alive(owner):
                log.warning("removing stale socket lock %s", lock)
                lock.unlink(missing_ok=True)
                Path(str(lock)[: -len(".lock")]).unlink(missing_ok=True)
        self._write_hba()
        self.socket_dir.chmod(0o700)
        self._hand_over([self.socket_dir, self.settings.log_dir])
        options = f"-h {s.host} -p {s.port} -k {self.socket_dir} -c unix_socket_permissions=0700"
        try:
            self._pg_ctl(["-w", "-t", "60", "-l", str(self.log_file), "-o", options, "start"])
        except WarehouseError as exc:
            tail = self.log_file.read_text(errors="replace")[-1500:] if self.log_file.exists() else ""
            raise WarehouseError(f"{exc}\n--- postgres log ---\n{tail}") from exc
        log.info("embedded Postgres started on %s:%s (data in %s)", s.host, s.port, self.data_dir)

    def _write_hba(self) -> None:
        hba = self.data_dir / "pg_hba.conf"
        if not hba.exists() or hba.read_text() != HBA_RULES:
            hba.write_text(HBA_RULES)
            hba.chmod(0o600)
            self._hand_over([hba])

    def _ensure_database(self) -> None:
        s = self.settings
        with psycopg.connect(self.dsn("postgres"), autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (s.database,)).fetchone()
            if not exists:
                conn.execute(f'create database "{s.database}"')
                log.info("created database %s", s.database)

    # -- helpers ----------------------------------------------------------------------------------

    def _password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            raise WarehouseError(
                f"no password file at {self.password_file}: the embedded warehouse was never "
                "initialised here; run `vnict db start`") from None

    def _running_pid(self) -> int | None:
        """PID of our postmaster if it is alive; a pid file of a dead process counts as not running."""
        pidfile = self.data_dir / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        if not _alive(pid):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return None
        return pid if "postgres" in cmdline else None

    def _check_port_free(self, wait: float = 0.0) -> None:
        """The port is free, or becomes so within `wait` seconds (a killed server's last processes
        still hold it for a moment)."""
        s = self.settings
        deadline = time.monotonic() + wait
        while True:
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind((s.host, s.port))
                return
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE and time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                if exc.errno == errno.EADDRINUSE:
                    raise WarehouseError(
                        f"port {s.port} on {s.host} is taken by another process; "
                        "set VNICT_PG_PORT to a free port (or WAREHOUSE_DSN to use another server)") from exc
                raise WarehouseError(f"cannot listen on {s.host}:{s.port}: {exc.strerror}") from exc

    def _pg_ctl(self, args: list[str]) -> None:
        self._run([str(_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), *args])

    def _run(self, cmd: list[str]) -> None:
        user = SERVICE_USER if os.geteuid() == 0 else None
        try:
            result = subprocess.run(cmd, user=user, capture_output=True, text=True, timeout=120,
                                    stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise WarehouseError(f"{Path(cmd[0]).name} did not finish in 120 s") from exc
        if result.returncode != 0:
            raise WarehouseError(
                f"{Path(cmd[0]).name} failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()}")

    def _hand_over(self, paths: list[Path]) -> None:
        """As root, give the service account the folders Postgres writes to."""
        if os.geteuid() != 0:
            return
        import pwd

        from pgserver.utils import ensure_user_exists

        ensure_user_exists(SERVICE_USER)
        _check_reachable_by_others(self.settings.state_dir, "the state folder")
        _check_reachable_by_others(_bin_dir(), "the Postgres binaries")
        entry = pwd.getpwnam(SERVICE_USER)
        for path in paths:
            if path.exists():
                os.chown(path, entry.pw_uid, entry.pw_gid)
        for path in (self.data_dir, self.socket_dir, self.settings.log_dir):
            if path.exists():
                for child in path.rglob("*"):
                    if child.owner() != SERVICE_USER:
                        os.chown(child, entry.pw_uid, entry.pw_gid)

    @contextmanager
    def _lock(self):
        lock_path = self.settings.state_dir / "warehouse.lock"
        with open(lock_path, "a+") as handle:
            deadline = time.monotonic() + 180
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise WarehouseError(f"timed out waiting for {lock_path}") from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
