"""Scale-out on Celery: the same crawl-bound backfill of the nightly (every mirror portal, several
days, `build_marts: false`) on one Celery worker, then on two, each on a fresh state folder with its
own warehouse, mirror, Redis and Airflow.

Crawl-bound: the default days are the mirror's oldest, so each day's crawl pages back through a
portal's whole listing, as a backfill of history does; a recent day's crawl is two or three requests
and its task mostly Airflow's start-up. Two days of one portal never crawl at once (the host lock), so
the workers gain only from crawling different hosts side by side.

    .venv/bin/python benchmarks/bench_scaleout.py [--json] [--days 3] [--concurrency 1]

One task slot per worker by default: the comparison is one slot against two, as on a server where
each worker is a machine (here both share the same two cores). Measures the backfill's wall time
(created -> complete). Last line with --json:
{"one_worker_s", "two_workers_s"}; target: two workers at least 1.6 x faster.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--first-day", default="2018-01-02", help="first nightly interval (YYYY-MM-DD)")
    ap.add_argument("--days", type=int, default=3, help="nightly intervals in the backfill")
    ap.add_argument("--concurrency", type=int, default=1, help="task slots per Celery worker")
    args = ap.parse_args(argv)

    from vnict.sandbox import backfill_on_stack, isolated_state

    first = date.fromisoformat(args.first_day)
    from_date = f"{first:%Y-%m-%d}T00:00:00+07:00"
    to_date = f"{first + timedelta(days=args.days - 1):%Y-%m-%d}T23:00:00+07:00"
    figures = {}
    for key, workers in (("one_worker_s", ("worker1",)), ("two_workers_s", ("worker1", "worker2"))):
        with isolated_state("vnict-bench-scaleout-") as state:
            result = backfill_on_stack(state, from_date, to_date, workers=workers,
                                       worker_concurrency=args.concurrency, build_marts=False)
        states = sorted({r["state"] for r in result.runs})
        hosts = sorted({t["hostname"] for t in result.task_instances if t.get("hostname")})
        crawls = sum(1 for t in result.task_instances if t["task_id"] == "portal.crawl")
        print(f"{len(workers)} worker(s) x {args.concurrency} slots: {len(result.runs)} runs {states}, "
              f"{crawls} crawl tasks on {hosts}; backfill {result.wall_s:.1f} s, crawl tasks' span "
              f"{result.crawl_wall_s or 0:.1f} s", flush=True)
        figures[key] = round(result.wall_s, 1)
    print(f"speed-up with two workers: {figures['one_worker_s'] / figures['two_workers_s']:.2f} x (target >= 1.6)")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
