"""Incremental dbt cost: load 100,000 synthetic figures, build, add 1,000 more, build again.

Prints, for the full `dbt build` and the incremental ones, the process's wall time, dbt's own run
time and the time spent in models (target: the incremental run takes at most a quarter of the full
one), and checks that the incremental result equals a full refresh. Runs in a throwaway database on the embedded cluster, or on the server of --dsn.

Usage: python benchmarks/bench_dbt_incremental.py [--dsn URI] [--mentions 100000 [1000000 ...]] [--new 1000]
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from vnict.pipeline import run_dbt
from vnict.settings import REPO_ROOT, load_settings
from warehouse.migrate import apply_migrations

log = logging.getLogger(__name__)

MENTIONS_PER_ARTICLE = 8
# Nightly runs are a day apart, so the models' 5-minute look-back re-reads nothing of the previous
# batch; the rounds here are seconds apart, so the look-back is set to zero to measure the same work.
NIGHTLY_VARS = ["--vars", "{incremental_lookback: '0 seconds'}"]
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


@dataclass
class BuildTiming:
    wall: float          # the dbt process, start to end
    elapsed: float       # dbt's own run time (run_results.json), without start-up and parsing
    models: float        # summed execution time of all models
    incremental: float   # of the incremental models only (the work that grows with the history)
    tests: float         # summed execution time of data and unit tests

    def line(self, label: str) -> str:
        return (f"{label:<26} wall {self.wall:5.1f} s  dbt {self.elapsed:5.1f} s  models {self.models:5.2f} s"
                f"  incremental models {self.incremental:5.2f} s  tests {self.tests:5.2f} s")


def timed_dbt(dsn: str, args: list[str], target: Path) -> BuildTiming:
    start = time.perf_counter()
    run_dbt(dsn, [*args, *NIGHTLY_VARS, "--target-path", str(target), "--log-path", str(target / "logs")])
    wall = time.perf_counter() - start
    results = json.loads((target / "run_results.json").read_text())
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    kinds: dict[str, float] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + r["execution_time"]
        if nodes.get(r["unique_id"], {}).get("config", {}).get("materialized") == "incremental":
            kinds["incremental"] = kinds.get("incremental", 0.0) + r["execution_time"]
    return BuildTiming(wall, results["elapsed_time"], kinds.get("model", 0.0), kinds.get("incremental", 0.0),
                       kinds.get("test", 0.0) + kinds.get("unit_test", 0.0))


def measure(admin_dsn: str, mentions: int, new: int, rounds: int
            ) -> tuple[BuildTiming, BuildTiming, BuildTiming, bool]:
    """Full build of `mentions` figures, then `rounds` nightly builds of `new` more, in a throwaway
    database; return the full build, the median nightly build, dbt's fixed cost (a build with
    nothing selected) and whether the marts then equal a full refresh."""
    name = f"vnict_bench_dbt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    dsn = make_conninfo(**{**conninfo_to_dict(admin_dsn), "dbname": name})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "target"
            apply_migrations(dsn, load_settings().sql_dir)
            history = mentions // MENTIONS_PER_ARTICLE
            total = load_synthetic(dsn, 1, history, "1 day")
            print(f"loaded {total} mentions in {history} articles; load average {os.getloadavg()[0]:.1f}"
                  f" on {os.cpu_count()} cores")
            # Parse once so that every timed run uses dbt's partial parsing alike.
            run_dbt(dsn, ["parse", "--target-path", str(target), "--log-path", str(target / "logs")])
            full = timed_dbt(dsn, ["build"], target)
            print(full.line("full dbt build"))
            # Nights are a day apart, so autovacuum has processed the full build's tables before the
            # next one; the rounds here are seconds apart, so the benchmark vacuums instead.
            with psycopg.connect(dsn, autocommit=True) as conn:
                start = time.perf_counter()
                conn.execute("vacuum analyze")
                print(f"vacuum analyze after the full build: {time.perf_counter() - start:.1f} s (not counted)")
            floor = timed_dbt(dsn, ["build", "--select", "fqn:nothing_to_build"], target)
            print(floor.line("dbt with nothing to build"))
            print(timed_dbt(dsn, ["build"], target).line("build, no new figures"))
            new_articles = new // MENTIONS_PER_ARTICLE
            nightly = []
            for n in range(rounds):
                total = load_synthetic(dsn, history + 1 + n * new_articles, new_articles, "0 seconds")
                nightly.append(timed_dbt(dsn, ["build"], target))
                print(nightly[-1].line(f"incremental +{new_articles * MENTIONS_PER_ARTICLE} ({total})"))
            inc = BuildTiming(*(statistics.median(getattr(r, f) for r in nightly)
                                for f in ("wall", "elapsed", "models", "incremental", "tests")))
            print(inc.line("incremental, median"))
            incremental_state = marts_fingerprint(dsn)
            refresh = timed_dbt(dsn, ["run", "--full-refresh"], target)
            same = marts_fingerprint(dsn) == incremental_state
            print(refresh.line("full refresh (run)") + f"   marts identical to incremental: {same}")
            return full, inc, floor, same
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="libpq URI of a server to create the throwaway database on"
                                      " (default: the embedded cluster)")
    parser.add_argument("--mentions", type=int, nargs="+", default=[100_000],
                        help="history sizes to measure, each in its own database (e.g. 100000 1000000)")
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5, help="incremental rounds (the median is kept)")
    args = parser.parse_args(argv)

    if args.dsn:
        admin_dsn = args.dsn
    else:
        from warehouse.embedded import EmbeddedPostgres
        admin_dsn = EmbeddedPostgres(load_settings().warehouse).ensure_running()
    measured = {}
    for mentions in args.mentions:
        print(f"== history of {mentions} figures, +{args.new} a night")
        measured[mentions] = measure(admin_dsn, mentions, args.new, args.rounds)
    print(f"\n{'history':>9} {'measure':<14} {'full s':>7} {'nightly s':>9} {'nightly/full':>12}  target <= 0.25")
    for mentions, (full, inc, floor, _) in measured.items():
        for label, a, b in (("wall", inc.wall, full.wall), ("dbt run time", inc.elapsed, full.elapsed),
                            ("all models", inc.models, full.models),
                            ("incr. models", inc.incremental, full.incremental), ("tests", inc.tests, full.tests)):
            print(f"{mentions:>9} {label:<14} {b:7.2f} {a:9.2f} {a / b:12.2f}  {'met' if a / b <= 0.25 else 'not met'}")
        print(f"{mentions:>9} {'dbt floor':<14} {full.wall:7.2f} {floor.wall:9.2f} {floor.wall / full.wall:12.2f}"
              "  (wall of a build with nothing to build: start-up, parse check, connection)")
    return 0 if all(same for *_, same in measured.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
