"""Full dbt build time at growing histories: load N synthetic figures, run `dbt build`, report.

The models are plain tables, rebuilt in full every night; they would become incremental only if a
full build of 1,000,000 figures took more than 60 s here. Prints, per history size, the process's
wall time, dbt's own run time and the time spent in models and in tests. Runs in a throwaway
database on the embedded cluster, or on the server of --dsn.

Usage: python benchmarks/bench_dbt_build.py [--dsn URI] [--mentions 100000 1000000]
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from vnict.dbt_tasks import run_dbt
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


def load_synthetic(dsn: str, first_article: int, articles: int, extracted_ago: str = "1 day") -> int:
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
                2015 + (i + j) %% 10,
                case when j %% 3 = 0 then 'inferred' else 'explicit' end,
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


@dataclass
class BuildTiming:
    wall: float          # the dbt process, start to end
    elapsed: float       # dbt's own run time (run_results.json), without start-up and parsing
    models: float        # summed execution time of all models
    tests: float         # summed execution time of data and unit tests

    def line(self, label: str) -> str:
        return (f"{label:<22} wall {self.wall:6.1f} s  dbt {self.elapsed:6.1f} s  models {self.models:6.2f} s"
                f"  tests {self.tests:6.2f} s")


def timed_dbt(dsn: str, args: list[str], target: Path) -> BuildTiming:
    start = time.perf_counter()
    run_dbt(dsn, [*args, "--target-path", str(target), "--log-path", str(target / "logs")])
    wall = time.perf_counter() - start
    results = json.loads((target / "run_results.json").read_text())
    kinds: dict[str, float] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + r["execution_time"]
    return BuildTiming(wall, results["elapsed_time"], kinds.get("model", 0.0),
                       kinds.get("test", 0.0) + kinds.get("unit_test", 0.0))


def measure(admin_dsn: str, mentions: int) -> BuildTiming:
    """A full `dbt build` of `mentions` figures in a throwaway database."""
    name = f"vnict_bench_dbt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    dsn = make_conninfo(**{**conninfo_to_dict(admin_dsn), "dbname": name})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "target"
            apply_migrations(dsn, load_settings().sql_dir)
            total = load_synthetic(dsn, 1, mentions // MENTIONS_PER_ARTICLE)
            print(f"loaded {total} figures; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            # Parse once so that the timed build uses dbt's partial parsing, as a nightly run does.
            run_dbt(dsn, ["parse", "--target-path", str(target), "--log-path", str(target / "logs")])
            full = timed_dbt(dsn, ["build"], target)
            print(full.line("full dbt build"))
            return full
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="libpq URI of a server to create the throwaway database on"
                                      " (default: the embedded cluster)")
    parser.add_argument("--mentions", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="history sizes to measure, each in its own database")
    args = parser.parse_args(argv)

    if args.dsn:
        admin_dsn = args.dsn
    else:
        from warehouse.embedded import EmbeddedPostgres
        admin_dsn = EmbeddedPostgres(load_settings().warehouse).ensure_running()
    measured = {}
    for mentions in args.mentions:
        print(f"== history of {mentions} figures")
        measured[mentions] = measure(admin_dsn, mentions)
    print(f"\n{'figures':>9} {'wall s':>7} {'dbt s':>7} {'models s':>9} {'tests s':>8}")
    for mentions, t in measured.items():
        print(f"{mentions:>9} {t.wall:7.1f} {t.elapsed:7.1f} {t.models:9.2f} {t.tests:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
