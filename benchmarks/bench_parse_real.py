"""Parse throughput on one core over the real saved pages (tests/parsing/real_pages): the generic
path, as `vnict parse FILE --url URL` runs it. Target: at least 50 pages/s on one core.

Prints pages/s (wall and CPU), latency percentiles, the pages' mean size, and, as its last line,
a JSON object with those figures.

    python benchmarks/bench_parse_real.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scrapers.parsing import parse_page  # noqa: E402

PAGES = REPO / "tests" / "parsing" / "real_pages"
TARGET_PAGES_PER_SECOND = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    entries = [json.loads(line) for f in sorted(PAGES.glob("manifest.*.jsonl"))
               for line in f.read_text("utf-8").splitlines() if line.strip()]
    pages = [(gzip.decompress((PAGES / f"{e['id']}.html.gz").read_bytes()), e["url"]) for e in entries]
    for body, url in pages:  # warm-up: rule files, regexes
        parse_page(body, url)
    latencies = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(args.rounds):
        for body, url in pages:
            t = time.perf_counter()
            parse_page(body, url)
            latencies.append(time.perf_counter() - t)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    n = len(latencies)
    figures = {
        "pages": len(pages), "rounds": args.rounds,
        "mean_page_kb": round(statistics.mean(len(b) for b, _ in pages) / 1024, 1),
        "pages_per_s_wall": round(n / wall, 1), "pages_per_s_cpu": round(n / cpu, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(sorted(latencies)[int(0.95 * (n - 1))] * 1000, 1),
        "target_pages_per_s": TARGET_PAGES_PER_SECOND,
    }
    print(f"{figures['pages']} real pages (mean {figures['mean_page_kb']} kB) x {args.rounds} rounds on one core: "
          f"{figures['pages_per_s_wall']} pages/s wall, {figures['pages_per_s_cpu']} pages/s CPU; "
          f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms (target >= {TARGET_PAGES_PER_SECOND} pages/s)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
