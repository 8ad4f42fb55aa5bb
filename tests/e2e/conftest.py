"""One Airflow for the end-to-end tests: api-server, scheduler and dag-processor on a throwaway state
folder (its own embedded warehouse, portal mirror and ports), driven through the REST API v2."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from vnict.sandbox import MIRROR_PORTS, free_port
from vnict.settings import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"


@dataclass
class AirflowApi:
    base_url: str
    username: str
    password: str
    token: str = ""

    def login(self) -> None:
        resp = requests.post(f"{self.base_url}/auth/token", json={"username": self.username, "password": self.password},
                             timeout=30)
        resp.raise_for_status()
        self.token = resp.json()["access_token"]

    def request(self, method: str, path: str, **kwargs) -> dict:
        resp = requests.request(method, f"{self.base_url}/api/v2{path}", timeout=60,
                                headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        if resp.status_code == 401:  # token expired
            self.login()
            return self.request(method, path, **kwargs)
        assert resp.ok, f"{method} {path} -> {resp.status_code}: {resp.text[:1000]}"
        return resp.json() if resp.content else {}

    def get(self, path: str, **params) -> dict:
        return self.request("GET", path, params=params)

    def dag_runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in ("success", "failed"):
                return run
            assert time.monotonic() < deadline, f"{dag_id} {run_id} still {run['state']} after {timeout:.0f} s"
            time.sleep(3)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})


@dataclass
class Stack:
    api: AirflowApi
    settings: object
    dsn: str
    mirror: object


@pytest.fixture(scope="session")
def e2e_stack():
    """Warehouse, mirror and Airflow on a fresh state folder; everything stopped afterwards."""
    from portal_mirror import MirrorServer

    # not under pytest's tmp folder: that one is private to root, and Postgres runs as its own user
    state = Path(tempfile.mkdtemp(prefix="vnict-e2e-"))
    state.chmod(0o755)
    taken: set[int] = set()
    overrides = {
        "VNICT_STATE_DIR": str(state),
        "VNICT_PG_PORT": str(free_port(1, taken)),
        "VNICT_MIRROR_PORT": str(free_port(MIRROR_PORTS, taken)),
        "VNICT_AIRFLOW_PORT": str(free_port(1, taken)),
        "VNICT_SOURCES": "mirror",
        "VNICT_TASK_RETRIES": "1",
        "VNICT_RETRY_DELAY_SECONDS": "2",
    }
    saved = {k: os.environ.get(k) for k in [*overrides, "WAREHOUSE_DSN"]}
    stray = [k for k in os.environ if k.startswith("AIRFLOW")]
    saved.update({k: os.environ[k] for k in stray})
    for k in stray + ["WAREHOUSE_DSN"]:
        os.environ.pop(k, None)
    os.environ.update(overrides)

    from vnict.airflow_ui import AirflowStack, login
    from vnict.dbt_tasks import ensure_dbt_manifest
    from vnict.pipeline import prepare_warehouse
    from vnict.settings import load_settings
    from warehouse.embedded import EmbeddedPostgres

    settings = load_settings()
    mirror = stack = None
    try:
        dsn = prepare_warehouse(settings)
        mirror = MirrorServer(base_port=0).start()
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        import json

        settings.mirror_sites_file.write_text(json.dumps(mirror.sites))
        ensure_dbt_manifest(settings)
        stack = AirflowStack(settings, int(overrides["VNICT_AIRFLOW_PORT"])).start(timeout=240)
        user, password = login(settings)
        api = AirflowApi(stack.base_url, user, password)
        api.login()
        deadline = time.monotonic() + 120
        while {d["dag_id"] for d in api.get("/dags")["dags"]} < {"provincial_ict_nightly", "provincial_ict_reprocess"}:
            assert time.monotonic() < deadline, f"DAGs not parsed: {api.get('/importErrors')}"
            time.sleep(2)
        yield Stack(api=api, settings=settings, dsn=dsn, mirror=mirror)
    finally:
        if stack:
            stack.stop()
        if mirror:
            mirror.stop()
        EmbeddedPostgres(settings.warehouse).stop()
        shutil.rmtree(state, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
