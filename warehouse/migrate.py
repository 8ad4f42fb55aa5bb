"""Apply the numbered DDL files of `sql/` in order, once each, recording what was applied."""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import psycopg
import psycopg.sql

log = logging.getLogger(__name__)

# Serialises concurrent migrators (e.g. parallel Airflow tasks) on one database.
_ADVISORY_LOCK_KEY = 7_462_019


def migration_files(sql_dir: Path) -> list[Path]:
    files = sorted(p for p in sql_dir.glob("*.sql") if p.name[:3].isdigit())
    if not files:
        raise FileNotFoundError(f"no numbered .sql files in {sql_dir}")
    return files


def apply_migrations(dsn: str, sql_dir: Path, bi_reader_password: str | None = None) -> list[str]:
    """Apply pending migrations; return the names applied now (empty when up to date)."""
    applied_now = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            conn.execute(
                "create table if not exists public.schema_migrations ("
                " filename text primary key, sha256 text not null,"
                " applied_at timestamptz not null default now())")
            done = dict(conn.execute("select filename, sha256 from public.schema_migrations").fetchall())
            for path in migration_files(sql_dir):
                sql = path.read_text(encoding="utf-8")
                digest = hashlib.sha256(sql.encode()).hexdigest()
                if path.name in done:
                    if done[path.name] != digest:
                        log.warning("migration %s changed after it was applied; add a new file instead",
                                    path.name)
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("insert into public.schema_migrations (filename, sha256) values (%s, %s)",
                                 (path.name, digest))
                log.info("applied migration %s", path.name)
                applied_now.append(path.name)
            if bi_reader_password:
                conn.execute(psycopg.sql.SQL("alter role bi_reader login password {}").format(
                    psycopg.sql.Literal(bi_reader_password)))
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
    if not applied_now:
        log.info("warehouse schema up to date")
    return applied_now
