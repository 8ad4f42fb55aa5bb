"""Crawl benchmark: 5 mirror portals x 100 articles in parallel threads.

Prints pages/s, the politeness lower bound (max over hosts of requests_host / rate_host, where the
rate honours robots.txt Crawl-delay) and wall time / bound (target <= 1.2): how close the crawler
gets to the fastest crawl its own politeness allows.

    PYTHONPATH=. python benchmarks/bench_crawl.py [--articles 100] [--rps 4] [--portals a,b,...]

--rps overrides every portal's requests_per_second (the registry's 1.0 makes the run take ~2 min);
--rps 0 keeps the registry's values. cantho_sokhcn is left out by default: its robots.txt asks for
Crawl-delay 5, so 100 articles there take 8+ minutes by design.
"""
from __future__ import annotations

import argparse
import logging
import resource
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal_mirror import FaultPlan, MirrorServer  # noqa: E402

from scrapers.crawl import MemoryPageStore, crawl_portal  # noqa: E402
from scrapers.fetch import Fetcher  # noqa: E402
from scrapers.registry import VN_TZ, load_registry  # noqa: E402

DEFAULT_PORTALS = "hagiang_stttt,hagiang_portal,dongthap_stttt,baohaugiang,tuyenquang_stttt"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100, help="synthetic articles per site")
    ap.add_argument("--rps", type=float, default=4.0, help="requests/s per host (0 = registry values)")
    ap.add_argument("--portals", default=DEFAULT_PORTALS)
    ap.add_argument("--failure-rate", type=float, default=0.0,
                    help="mirror faults (500/503/timeout/reset) on this share of requests; retries then count "
                         "as requests in the bound, backoff sleeps do not")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    portal_ids = [p.strip() for p in args.portals.split(",") if p.strip()]
    start, end = datetime(2018, 1, 1, tzinfo=VN_TZ), datetime(2026, 1, 1, tzinfo=VN_TZ)

    faults = (FaultPlan(failure_rate=args.failure_rate, hang_seconds=3.0, seed=1)
              if args.failure_rate > 0 else None)
    with MirrorServer(per_site=args.articles, faults=faults) as mirror:
        registry = load_registry(base_url_overrides=mirror.sites)
        portals = [registry.get(pid) for pid in portal_ids]
        override = {"requests_per_second": args.rps} if args.rps > 0 else None
        store = MemoryPageStore()
        reports = {}
        if faults:
            override = {**(override or {}), "read_timeout": 1.0}
        with Fetcher(allow_private=True, policy_override=override, backoff_initial=0.25, backoff_max=2.0,
                     backoff_jitter=0.25) as fetcher:
            def run(portal):
                reports[portal.id] = crawl_portal(portal, start, end, fetcher, store, run_id="bench")

            threads = [threading.Thread(target=run, args=(p,), name=p.id) for p in portals]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - t0
            stats = fetcher.host_stats()

    hosts = {p.id: p.host for p in portals}
    total_requests = sum(int(stats[h]["requests"]) for h in hosts.values() if h in stats)
    print(f"crawl benchmark: {len(portals)} portals x {args.articles} synthetic articles, "
          f"rate {f'{args.rps:g} req/s' if args.rps > 0 else 'registry'} per host, interval 2018..2025"
          + (f", {args.failure_rate:.0%} faults" if faults else ""))
    print(f"{'portal':20} {'requests':>8} {'interval':>8} {'bound s':>8} {'found':>6} {'stored':>6} "
          f"{'failed':>6} {'robots':>6}")
    bound = 0.0
    for pid, host in hosts.items():
        s, r = stats.get(host, {"requests": 0, "interval": 0.0}), reports[pid]
        host_bound = s["requests"] * s["interval"]
        bound = max(bound, host_bound)
        print(f"{pid:20} {int(s['requests']):8d} {s['interval']:8.3f} {host_bound:8.1f} {r.articles_found:6d} "
              f"{r.stored:6d} {len(r.failures):6d} {len(r.disallowed):6d}")
        if r.portal_error:
            print(f"  PORTAL ERROR: {r.portal_error}")
    pages = sum(r.pages_fetched + r.listing_pages for r in reports.values())
    print(f"pages fetched: {pages} ({total_requests} HTTP requests incl. robots.txt, retries, redirects)")
    print(f"wall time: {wall:.1f} s; throughput: {pages / wall:.1f} pages/s ({total_requests / wall:.1f} requests/s)")
    print(f"politeness lower bound: {bound:.1f} s (max over hosts of requests_host / rate_host)")
    print(f"wall / bound: {wall / bound:.3f} (target <= 1.2)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
