"""One crawl of a host at a time, across processes and machines.

The fetcher keeps a host's rate within one process; two task instances crawling the same host at once
(two backfill days of a portal on two Celery workers) would each keep it and together double it. A
session advisory lock in the warehouse, which every worker shares, makes the second crawl wait.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager

import psycopg

log = logging.getLogger(__name__)

_NAMESPACE = 0x76C7  # the first key of the two-key advisory locks taken here ("vnict" crawl)


@contextmanager
def host_lock(dsn: str, host: str, who: str = "crawl"):
    """Hold the warehouse-wide lock of `host` (host:port) while the block runs; wait for it when
    another process holds it, saying so in the log."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        args = (_NAMESPACE, host)
        if not conn.execute("select pg_try_advisory_lock(%s, hashtext(%s))", args).fetchone()[0]:
            log.info("%s: another crawl of %s is running; waiting for it to finish", who, host)
            began = time.monotonic()
            conn.execute("select pg_advisory_lock(%s, hashtext(%s))", args)
            log.info("%s: %s is free after %.1f s", who, host, time.monotonic() - began)
        try:
            yield
        finally:
            conn.execute("select pg_advisory_unlock(%s, hashtext(%s))", args)
