"""The server stack: docker-compose.yml must be valid and wire the services README describes."""
import os
import shutil
import subprocess

import pytest
import yaml

from vnict.settings import REPO_ROOT


def _compose_command():
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("neither `docker compose` nor `docker-compose` is installed (.ci/run installs it)")


SECRETS = {"WAREHOUSE_PASSWORD": "w-secret-1", "AIRFLOW_DB_PASSWORD": "a-secret-2",
           "AIRFLOW_JWT_SECRET": "j-secret-3", "BI_READER_PASSWORD": "b-secret-4"}


def _config(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([*_compose_command(), "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
                          capture_output=True, text=True, cwd=REPO_ROOT, env={**clean, **env})


@pytest.fixture(scope="module")
def resolved():
    result = _config(SECRETS)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.mark.parametrize("missing", ["WAREHOUSE_PASSWORD", "AIRFLOW_DB_PASSWORD", "AIRFLOW_JWT_SECRET"])
def test_no_secret_has_a_default(missing):
    """A fixed fallback JWT secret let a token signed offline in as admin."""
    result = _config({k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_secrets_come_from_the_environment_only(resolved):
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    assert ":-change-me" not in text and ":-airflow}" not in text and ":-vnict}" not in text
    env = resolved["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "j-secret-3"
    assert "w-secret-1" in env["WAREHOUSE_DSN"]


def test_api_listens_on_loopback_by_default(resolved):
    ports = resolved["services"]["airflow-apiserver"]["ports"]
    hosts = [p.get("host_ip") if isinstance(p, dict) else p.rsplit(":", 2)[0] for p in ports]
    assert hosts == ["127.0.0.1"] * len(ports), ports


def test_stack_has_the_airflow_services_the_broker_and_both_databases(resolved):
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
            "airflow-worker", "redis", "airflow-db", "warehouse"} <= set(resolved["services"])


def test_airflow_runs_celery_against_redis_and_its_own_metadata_db(resolved):
    env = resolved["services"]["airflow-worker"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert "@airflow-db/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@warehouse:5432/" in env["AIRFLOW_CONN_WAREHOUSE"]


def test_image_is_the_official_airflow_3_3_image_with_this_project():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3." in dockerfile
    assert "-c constraints.txt -e ." in dockerfile
    for package in ("vnict", "scrapers", "extraction", "reference", "warehouse", "dags", "dbt_project", "sql"):
        assert f"COPY --chown=airflow:root {package} " in dockerfile


def test_image_ships_the_dbt_manifest_the_dags_render_from():
    assert "ensure_dbt_manifest()" in (REPO_ROOT / "Dockerfile").read_text()


def test_compose_runs_celery_as_the_local_celery_stack_does(tmp_path):
    """The settings the Celery end-to-end test and benchmark run with are the server's."""
    from vnict.airflow_ui import celery_environment
    from vnict.settings import load_settings

    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["airflow-worker"]["environment"]
    local = celery_environment(load_settings(), "redis://127.0.0.1:6390/0")
    assert env["AIRFLOW__CORE__EXECUTOR"] == local["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == local["AIRFLOW__CORE__HOSTNAME_CALLABLE"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].split("://")[0] == local["AIRFLOW__CELERY__BROKER_URL"].split("://")[0]
    # results in Airflow's metadata database (Postgres on the server, the embedded cluster locally)
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert local["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+")
    assert "create_pools()" in " ".join(compose["services"]["airflow-init"]["command"])
