"""Incremental dbt cost: load 100,000 synthetic figures, build, add 1,000 more, build again.

Prints the wall time of the full `dbt build` and of the incremental one (target: the incremental
run takes at most a quarter of the full one), and checks that the incremental result equals a full
refresh. Runs in a throwaway database on the embedded cluster, or on the server of --dsn.

Usage: python benchmarks/bench_dbt_incremental.py [--dsn URI] [--mentions 100000] [--new 1000]
"""
from __future__ import annotations

import argparse
import csv
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from vnict.pipeline import run_dbt
from vnict.settings import REPO_ROOT, load_settings
from warehouse.migrate import apply_migrations

log = logging.getLogger(__name__)

MENTIONS_PER_ARTICLE = 8
SEEDS = REPO_ROOT / "dbt_project" / "seeds"


def _catalogue() -> list[tuple[str, str]]:
    with open(SEEDS / "indicators.csv", encoding="utf-8") as f:
        return [(r["code"], r["unit"]) for r in csv.DictReader(f)]


def _province_names() -> list[str]:
    with open(SEEDS / "provinces.csv", encoding="utf-8") as f:
        return [r["province_name"] for r in csv.DictReader(f) if r["era"] == "legacy"]


def load_synthetic(dsn: str, first_article: int, articles: int, extracted_ago: str) -> int:
    """Insert `articles` articles of MENTIONS_PER_ARTICLE figures each, generated server-side; they
    were extracted over the last 365 x `extracted_ago` (history comes night after night)."""
    codes = _catalogue()
    provinces = _province_names()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            """
            insert into staging.articles (article_id, portal_id, province_name, url, canonical_url, title,
                published_at, published_date, body_text, source_outlet, body_sha256, parser_version,
                updated_at)
            select 'bench-' || i, 'portal-' || (i %% 63), (%(provinces)s::text[])[1 + i %% 63],
                'http://bench.test/' || i, 'http://bench.test/' || i, 'article ' || i,
                d::timestamptz, d, 'body', case when i %% 10 = 0 then 'baomoi.com' end, 'sha', 'bench',
                now() - %(ago)s::interval * (1 + i %% 365)
            from generate_series(%(first)s::integer, %(last)s::integer) as i,
                lateral (select date '2016-01-01' + (i * 37 %% 3650) as d) as dates
            """, {"provinces": provinces, "first": first_article, "last": first_article + articles - 1,
                  "ago": extracted_ago})
        conn.execute(
            """
            insert into staging.indicator_mentions (mention_id, article_id, indicator_code, value, denominator,
                unit, qualifier, is_target, reference_year, year_source, evidence, char_start, char_end,
                extractor_version, extracted_at)
            select 'bench-' || i || '-' || j, 'bench-' || i, c.code,
                case when c.unit = 'percent' then (i * 7 + j) %% 100 else 100 + (i * 13 + j) %% 5000 end,
                null, c.unit,
                (array['exact', 'approx', 'at_least', 'at_most'])[1 + (i + j) %% 4],
                (i + j) %% 7 = 0,
                case when j %% 3 = 0 then null else 2015 + (i + j) %% 10 end,
                case when j %% 3 = 0 then 'none' else 'explicit' end,
                'sentence ' || i || '/' || j, j * 100, j * 100 + 20, 'bench',
                now() - %(ago)s::interval * (1 + i %% 365)
            from generate_series(%(first)s::integer, %(last)s::integer) as i,
                generate_series(1, %(per)s::integer) as j,
                lateral (select (%(codes)s::text[])[1 + (i * 31 + j * 7) %% %(ncodes)s::integer] as code,
                                (%(units)s::text[])[1 + (i * 31 + j * 7) %% %(ncodes)s::integer] as unit) as c
            """, {"first": first_article, "last": first_article + articles - 1, "per": MENTIONS_PER_ARTICLE,
                  "codes": [c for c, _ in codes], "units": [u for _, u in codes], "ncodes": len(codes),
                  "ago": extracted_ago})
        conn.execute("analyze staging.articles; analyze staging.indicator_mentions")
        return conn.execute("select count(*) from staging.indicator_mentions").fetchone()[0]


def marts_fingerprint(dsn: str) -> dict[str, str]:
    """An order-independent digest of each marts table, without dbt's own timestamps."""
    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [t for (t,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
        for table in tables:
            cols = [c for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'marts'"
                " and table_name = %s and column_name not in ('conformed_at', 'resolved_at') order by ordinal_position", (table,))]
            row_expr = "concat_ws('|', " + ", ".join(f"{c}::text" for c in cols) + ")"
            out[table] = conn.execute(
                f"select count(*) || ':' || md5(string_agg(md5({row_expr}), '' order by md5({row_expr})))"
                f" from marts.{table}").fetchone()[0]
    return out


def timed_dbt(dsn: str, args: list[str]) -> float:
    start = time.perf_counter()
    run_dbt(dsn, args)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="libpq URI of a server to create the throwaway database on"
                                      " (default: the embedded cluster)")
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    args = parser.parse_args(argv)

    if args.dsn:
        admin_dsn = args.dsn
    else:
        from warehouse.embedded import EmbeddedPostgres
        admin_dsn = EmbeddedPostgres(load_settings()).ensure_running()
    name = f"vnict_bench_dbt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    dsn = make_conninfo(**{**conninfo_to_dict(admin_dsn), "dbname": name})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            paths = ["--target-path", str(Path(tmp) / "target"), "--log-path", str(Path(tmp) / "logs")]
            apply_migrations(dsn, load_settings().sql_dir)
            history = args.mentions // MENTIONS_PER_ARTICLE
            total = load_synthetic(dsn, 1, history, "1 day")
            print(f"loaded {total} mentions in {history} articles")
            full = timed_dbt(dsn, ["build", *paths])
            print(f"full dbt build:        {full:7.1f} s")
            idle = timed_dbt(dsn, ["build", *paths])
            print(f"dbt build, no changes: {idle:7.1f} s")
            new_articles = args.new // MENTIONS_PER_ARTICLE
            total = load_synthetic(dsn, history + 1, new_articles, "0 seconds")
            incremental = timed_dbt(dsn, ["build", *paths])
            print(f"incremental dbt build: {incremental:7.1f} s  (+{new_articles * MENTIONS_PER_ARTICLE}"
                  f" mentions, {total} in all)")
            ratio = incremental / full
            print(f"incremental / full:    {ratio:7.2f}  (target <= 0.25: {'met' if ratio <= 0.25 else 'NOT met'})")
            incremental_state = marts_fingerprint(dsn)
            refresh = timed_dbt(dsn, ["run", "--full-refresh", *paths])
            same = marts_fingerprint(dsn) == incremental_state
            print(f"full refresh (run):    {refresh:7.1f} s  marts identical to incremental: {same}")
            return 0 if same else 1
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


if __name__ == "__main__":
    sys.exit(main())
