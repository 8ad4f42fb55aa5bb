"""Two crawls of one host never overlap, whichever process runs them; other hosts do not wait."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from warehouse.host_locks import host_lock

pytestmark = pytest.mark.integration  # needs a real Postgres


def _crawl(dsn: str, host: str, spans: list, hold: float = 0.6) -> None:
    with host_lock(dsn, host, f"crawl {host}"):
        began = time.monotonic()
        time.sleep(hold)
        spans.append((host, began, time.monotonic()))


def test_a_second_crawl_of_a_host_waits_for_the_first(warehouse_dsn, caplog):
    spans: list = []
    caplog.set_level(logging.INFO, logger="warehouse.host_locks")
    first = threading.Thread(target=_crawl, args=(warehouse_dsn, "127.0.0.1:18401", spans))
    first.start()
    time.sleep(0.2)
    _crawl(warehouse_dsn, "127.0.0.1:18401", spans)
    first.join()
    (_, a_start, a_end), (_, b_start, b_end) = sorted(spans, key=lambda s: s[1])
    assert b_start >= a_end, "the two crawls of one host overlapped"
    assert "another crawl of 127.0.0.1:18401 is running" in caplog.text


def test_crawls_of_different_hosts_run_together(warehouse_dsn):
    spans: list = []
    threads = [threading.Thread(target=_crawl, args=(warehouse_dsn, host, spans))
               for host in ("127.0.0.1:18401", "127.0.0.1:18402")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (_, a_start, a_end), (_, b_start, b_end) = sorted(spans, key=lambda s: s[1])
    assert b_start < a_end, "crawls of two hosts waited for each other"


def test_the_lock_is_released_when_the_crawl_fails(warehouse_dsn):
    with pytest.raises(RuntimeError):
        with host_lock(warehouse_dsn, "portal.example.gov.vn"):
            raise RuntimeError("portal down")
    spans: list = []
    done = threading.Thread(target=_crawl, args=(warehouse_dsn, "portal.example.gov.vn", spans, 0.0))
    done.start()
    done.join(timeout=5)
    assert spans, "the lock of a failed crawl was never released"
