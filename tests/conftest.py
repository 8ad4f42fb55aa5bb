"""Shared fixtures: a real Postgres for tests (the embedded cluster, in a test state folder)."""
from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from vnict.settings import REPO_ROOT, load_settings

_counter = itertools.count()


@pytest.fixture
def open_tmp():
    """A scratch folder other local users can reach: the embedded cluster runs as one of them, and
    pytest's own tmp_path sits under a folder closed to them."""
    path = Path(tempfile.mkdtemp(prefix="vnict-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory):
    """Settings of the test cluster: its own state folder and port, never the user's warehouse."""
    base = load_settings()
    state = Path(os.environ.get("VNICT_TEST_STATE_DIR") or REPO_ROOT / ".state" / "test")
    return dataclasses.replace(
        base,
        state_dir=state.resolve(),
        warehouse_dsn=None,
        pg_port=int(os.environ.get("VNICT_TEST_PG_PORT") or _test_cluster_port(state / "pgdata")),
        bi_reader_password=None,
    )


def _test_cluster_port(data_dir: Path, first: int = 54339) -> int:
    """The port of this checkout's test cluster when it is already running, else the first free
    one from `first`: another checkout's test cluster may hold the default."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
        return int(lines[3])
    except (OSError, ValueError, IndexError):
        pass
    for port in range(first, first + 50):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}..{first + 49} for the test cluster")


@pytest.fixture(scope="session")
def pg_cluster(test_settings):
    """The running test cluster (started once; left running between sessions for speed)."""
    from warehouse.embedded import EmbeddedPostgres

    cluster = EmbeddedPostgres(test_settings.warehouse)
    cluster.ensure_running()
    return cluster


@pytest.fixture
def fresh_database(pg_cluster, test_settings):
    """Factory of fresh, migrated databases on the test cluster; each dropped after the test."""
    import psycopg

    from warehouse.migrate import apply_migrations

    created = []

    def make(migrate: bool = True) -> str:
        name = f"vnict_test_{os.getpid()}_{next(_counter)}"
        with psycopg.connect(pg_cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}"')
            conn.execute(f'create database "{name}"')
        created.append(name)
        dsn = pg_cluster.dsn(name)
        if migrate:
            apply_migrations(dsn, test_settings.sql_dir)
        return dsn

    yield make
    with psycopg.connect(pg_cluster.dsn("postgres"), autocommit=True) as conn:
        for name in created:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def warehouse_dsn(fresh_database):
    """libpq URI of a fresh database with every migration applied."""
    return fresh_database()


POSTGRES_FIXTURES = {"pg_cluster", "fresh_database", "warehouse_dsn"}


def pytest_collection_modifyitems(config, items):
    """Every test that needs Postgres carries the `integration` marker (`-m "not integration"` then
    runs without one); a test that uses a Postgres fixture without it stops the collection."""
    unmarked = [item.nodeid for item in items
                if POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("integration") is None]
    if unmarked:
        raise pytest.UsageError("tests that need Postgres without the `integration` marker: "
                                + ", ".join(unmarked))
