"""Which Postgres and which credentials: decided by warehouse.connection alone."""
from __future__ import annotations

from pathlib import Path

from warehouse.connection import airflow_uri, dbt_env, default_uri, is_embedded, task_dsn
from warehouse.settings import WarehouseSettings

STATE = Path("/nonexistent/state")
EMBEDDED = WarehouseSettings(state_dir=STATE, run_dir=STATE / "run", log_dir=STATE / "logs", external_dsn=None,
                             host="127.0.0.1", port=54329, database="vnict", user="vnict")
SERVER = "postgresql://etl:secret@db.example:5432/vnict"


def test_a_configured_server_connection_is_used_as_it_is():
    assert task_dsn(EMBEDDED, SERVER) == SERVER
    assert task_dsn(EMBEDDED, SERVER.replace("postgresql://", "postgres://")) == SERVER


def test_the_embedded_cluster_is_recognised_by_its_host_and_port():
    assert is_embedded("postgresql://vnict:pw@localhost:54329/vnict", EMBEDDED)
    assert not is_embedded("postgresql://vnict:pw@localhost:5432/vnict", EMBEDDED)
    assert not is_embedded(SERVER, EMBEDDED)


def test_airflow_gets_the_external_dsn_or_nothing_before_the_cluster_exists(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE", raising=False)
    assert default_uri(EMBEDDED) is None
    assert airflow_uri(EMBEDDED) is None
    server = WarehouseSettings(**{**EMBEDDED.__dict__, "external_dsn": SERVER})
    assert airflow_uri(server) == SERVER
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://other@h:1/d")
    assert airflow_uri(server) == "postgresql://other@h:1/d"


def test_dbt_profile_environment_comes_from_the_dsn():
    assert dbt_env(SERVER) == {"VNICT_PGHOST": "db.example", "VNICT_PGPORT": "5432", "VNICT_PGUSER": "etl",
                               "VNICT_PGPASSWORD": "secret", "VNICT_PGDATABASE": "vnict"}
