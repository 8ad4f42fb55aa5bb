"""Scale-out on Celery: a multi-day backfill of the nightly on two Celery workers (Redis broker, both
on loopback) runs tasks on both workers and leaves staging and the marts exactly as the same
backfill on LocalExecutor does. Each executor gets its own state folder, warehouse and Airflow."""
from __future__ import annotations

import shutil

import pytest

from vnict.sandbox import MIRROR_PORTS, backfill_on_stack, free_port, isolated_state, warehouse_snapshot

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not shutil.which("redis-server"), reason="needs Debian's redis-server")]

# Five nightly intervals; every mirror portal is active in them.
FROM_DATE, TO_DATE = "2024-03-18T00:00:00+07:00", "2024-03-22T23:00:00+07:00"


def test_backfill_on_two_celery_workers_uses_both_and_equals_a_local_executor_run():
    mirror_port = free_port(MIRROR_PORTS)  # both stacks crawl the same URLs, so articles get the same ids
    with isolated_state("vnict-e2e-celery-", mirror_port) as env:
        celery = backfill_on_stack(env, FROM_DATE, TO_DATE, workers=("worker1", "worker2"))
        celery_data = warehouse_snapshot(celery.dsn)
    with isolated_state("vnict-e2e-local-", mirror_port) as env:
        local = backfill_on_stack(env, FROM_DATE, TO_DATE, workers=())
        local_data = warehouse_snapshot(local.dsn)

    assert len(celery.runs) == 5 and {r["state"] for r in celery.runs} == {"success"}, celery.runs
    assert {r["state"] for r in local.runs} == {"success"}, local.runs
    # tasks a worker ran (EmptyOperators and skips never reach one)
    ran = [t for t in celery.task_instances if t["state"] == "success" and t["hostname"]]
    assert {t["hostname"] for t in ran} == {"worker1", "worker2"}, {t["hostname"] for t in ran}
    assert {t["queue"] for t in ran} == {"default"}
    assert {t["hostname"] for t in local.task_instances if t["hostname"]} - {"worker1", "worker2"}

    assert celery_data["staging.articles"], "the backfill loaded no articles"
    assert any(name.startswith("marts.") and rows for name, rows in celery_data.items())
    assert celery_data.keys() == local_data.keys()
    for table in celery_data:
        assert celery_data[table] == local_data[table], f"{table} differs between Celery and LocalExecutor"
    assert celery_data["staging.indicator_mentions"], "the backfill read no figures"
