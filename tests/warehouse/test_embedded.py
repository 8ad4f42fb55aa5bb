"""The embedded warehouse: idempotent start, clear errors, migrations recorded once."""
import dataclasses
import os
import socket
import subprocess
import sys

import psycopg
import pytest

from vnict.settings import REPO_ROOT
from warehouse.connection import resolve_dsn
from warehouse.embedded import EmbeddedPostgres, WarehouseError
from warehouse.migrate import apply_migrations, migration_files

pytestmark = pytest.mark.integration  # needs a real Postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_starting_twice_is_harmless(pg_cluster):
    first = pg_cluster.ensure_running()
    pid = pg_cluster.status()["pid"]
    assert pg_cluster.ensure_running() == first
    assert pg_cluster.status()["pid"] == pid
    with psycopg.connect(first) as conn:
        assert conn.execute("select current_setting('listen_addresses')").fetchone()[0] == "127.0.0.1"


def test_port_taken_is_a_clear_error(test_settings, open_tmp):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        settings = dataclasses.replace(test_settings, state_dir=open_tmp / "state", pg_port=port)
        with pytest.raises(WarehouseError, match=f"port {port} .* is taken"):
            EmbeddedPostgres(settings.warehouse).ensure_running()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_state_folder_is_a_clear_error(test_settings, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    settings = dataclasses.replace(test_settings, state_dir=locked / "state")
    with pytest.raises(WarehouseError, match="not writable"):
        EmbeddedPostgres(settings.warehouse).ensure_running()


def test_unwritable_state_folder_via_cli_prints_no_traceback(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    env = {**os.environ, "VNICT_STATE_DIR": str(target / "state"), "VNICT_PG_PORT": "54398"}
    env.pop("WAREHOUSE_DSN", None)
    result = subprocess.run([sys.executable, "-m", "vnict.cli", "dsn"], env=env, capture_output=True,
                            text=True, cwd=REPO_ROOT)
    assert result.returncode == 2
    assert "not writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_warehouse_dsn_pointing_at_nothing_is_a_clear_error(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    env = {**os.environ, "WAREHOUSE_DSN": f"postgresql://nobody@127.0.0.1:{free_port}/nothing"}
    result = subprocess.run([sys.executable, "-m", "vnict.cli", "dsn"], env=env, capture_output=True,
                            text=True, cwd=REPO_ROOT)
    assert result.returncode == 2
    assert f"cannot connect to WAREHOUSE_DSN at 127.0.0.1:{free_port}/nothing" in result.stderr
    assert "Traceback" not in result.stderr


def test_stale_pid_file_after_a_crash_is_handled(test_settings, open_tmp):
    port = _free_port()
    settings = dataclasses.replace(test_settings, state_dir=open_tmp / "s", pg_port=port)
    cluster = EmbeddedPostgres(settings.warehouse)
    cluster.ensure_running()
    pid = cluster.status()["pid"]
    os.kill(pid, 9)  # a crash: the pid file stays behind
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        import time
        time.sleep(0.05)
    assert (settings.warehouse.data_dir / "postmaster.pid").exists()
    dsn = cluster.ensure_running()
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    cluster.stop()


def test_migrations_apply_once_in_order(fresh_database, test_settings):
    dsn = fresh_database(migrate=False)
    first = apply_migrations(dsn, test_settings.sql_dir)
    assert first == [p.name for p in migration_files(test_settings.sql_dir)]
    assert apply_migrations(dsn, test_settings.sql_dir) == []
    with psycopg.connect(dsn) as conn:
        tables = {r[0] for r in conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'staging')")}
    assert {"raw.pages", "raw.fetch_log", "staging.articles", "staging.indicator_mentions"} <= tables


def test_resolve_dsn_uses_warehouse_dsn_when_set(pg_cluster, test_settings):
    settings = dataclasses.replace(test_settings, warehouse_dsn=pg_cluster.dsn("postgres"))
    assert resolve_dsn(settings.warehouse) == pg_cluster.dsn("postgres")


def test_local_socket_needs_a_password_and_is_owner_only(pg_cluster, test_settings):
    """Any local user reached the superuser through a trusted, world-connectable socket."""
    pg_cluster.ensure_running()
    sock_dir = pg_cluster.socket_dir
    sockets = list(sock_dir.glob(".s.PGSQL.*"))
    assert sockets, f"no socket in {sock_dir}"
    assert sock_dir.stat().st_mode & 0o077 == 0
    assert all(s.stat().st_mode & 0o077 == 0 for s in sockets if not s.name.endswith(".lock"))
    hba = (test_settings.warehouse.data_dir / "pg_hba.conf").read_text()
    assert "trust" not in [line.split()[-1] for line in hba.splitlines() if line and not line.startswith("#")]
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=str(sock_dir), port=test_settings.pg_port, user=test_settings.pg_user,
                        dbname="postgres", password="", connect_timeout=5)


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"),
                    reason="needs root to act as another local user, and the system Python")
def test_another_local_user_cannot_reach_the_socket(pg_cluster, test_settings):
    pg_cluster.ensure_running()
    path = str(pg_cluster.socket_dir / f".s.PGSQL.{test_settings.pg_port}")
    probe = ("import socket,sys\n"
             "s = socket.socket(socket.AF_UNIX)\n"
             "try:\n"
             f"    s.connect({path!r})\n"
             "except PermissionError:\n"
             "    sys.exit(3)\n")
    result = subprocess.run(["/usr/bin/python3", "-c", probe], user="nobody", capture_output=True, text=True,
                            cwd="/")
    assert result.returncode == 3, result.stdout + result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the service account is used only when running as root")
def test_folders_outside_the_state_folder_keep_their_permissions(test_settings, open_tmp):
    """Starting as root used to add read and execute for everyone to every parent, up to /."""
    closed = open_tmp / "closed"
    closed.mkdir(mode=0o700)
    settings = dataclasses.replace(test_settings, state_dir=closed / "state")
    with pytest.raises(WarehouseError, match=f"{closed} is closed to other users"):
        EmbeddedPostgres(settings.warehouse).ensure_running()
    assert closed.stat().st_mode & 0o777 == 0o700
    parents = [p for p in test_settings.state_dir.parents]
    before = {p: p.stat().st_mode for p in parents}
    EmbeddedPostgres(test_settings.warehouse).ensure_running()
    assert {p: p.stat().st_mode for p in parents} == before


def test_the_first_start_right_after_a_crash_succeeds(test_settings, open_tmp):
    """Killed a moment ago, the server still had its pid (and, unreaped, its socket lock)."""
    port = _free_port()
    settings = dataclasses.replace(test_settings, state_dir=open_tmp / "crash", pg_port=port)
    cluster = EmbeddedPostgres(settings.warehouse)
    cluster.ensure_running()
    os.kill(cluster.status()["pid"], 9)
    try:
        dsn = cluster.ensure_running()  # at once, no waiting
        with psycopg.connect(dsn) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        cluster.stop()
