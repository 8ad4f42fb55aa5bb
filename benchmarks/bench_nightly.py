"""The nightly as `make run` runs it (Airflow's scheduler, LocalExecutor, portals in parallel, dbt in
one `dbt build` task), on a fresh state folder with its own ports, then a plain `dbt build` on the
same data.

    .venv/bin/python benchmarks/bench_nightly.py [--json]

Prints the run's report, then as its last line (with --json) a JSON object:
  crawl_wall_s        first crawl task start -> last crawl task end (task instances)
  politeness_bound_s  per host (requests - 1) x its minimum interval, the largest over hosts
  dbt_phase_s         the run's dbt tasks, first start -> last end
  dbt_build_s         a plain `dbt build` of the same project on the same data
  total_wall_s        warehouse start to the run's end, as `make run` (Airflow start included)
Targets: crawl_wall_s <= 1.2 x politeness_bound_s, dbt_phase_s <= 2 x dbt_build_s.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON on the last line")
    ap.add_argument("--since", default="2018-01-01")
    args = ap.parse_args(argv)

    from vnict.nightly_run import print_report, run_nightly
    from vnict.dbt_tasks import ensure_dbt_manifest
    from vnict.dbt_tasks import run_dbt
    from vnict.pipeline import prepare_warehouse
    from vnict.services import start_mirror, stop_mirror
    from vnict.sandbox import isolated_state
    from vnict.settings import load_settings

    with isolated_state("vnict-bench-nightly-"):
        settings = load_settings()
        began = time.monotonic()
        dsn = prepare_warehouse(settings)
        start_mirror(settings)
        try:
            ensure_dbt_manifest(settings)
            run = run_nightly(settings, dsn, {"since": args.since, "until": None})
        finally:
            stop_mirror(settings)
        total = time.monotonic() - began
        print_report(run, dsn, settings)
        t0 = time.monotonic()
        run_dbt(dsn, ["build"], settings)
        dbt_build = time.monotonic() - t0
    figures = {"crawl_wall_s": round(run.crawl_wall_s or 0, 1), "politeness_bound_s": round(run.politeness_bound_s, 1),
               "dbt_phase_s": round(run.dbt_phase_s or 0, 1), "dbt_build_s": round(dbt_build, 1),
               "total_wall_s": round(total, 1)}
    print(f"\nrun {run.state}; crawl / bound = {figures['crawl_wall_s'] / max(figures['politeness_bound_s'], 1e-9):.2f} "
          f"(target <= 1.2); dbt phase / dbt build = {figures['dbt_phase_s'] / max(dbt_build, 1e-9):.2f} (target <= 2)")
    if args.json:
        print(json.dumps(figures))
    return 0 if run.state == "success" else 1


if __name__ == "__main__":
    raise SystemExit(main())
