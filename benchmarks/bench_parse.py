"""Parse throughput on one core over the portal mirror's article pages (target: >= 200 pages/s).

Fetches every article page of a mirror (5+ portal layouts, ``--per-site`` synthetic articles each)
once, then parses them all in this single thread, pinned to one CPU, with each portal's registry
configuration, exactly as the pipeline's parse step does. Prints pages/s (wall and CPU), latency
percentiles, and peak memory. ``--pad-kb`` also measures pages grown to real-portal size by adding
menu/sidebar chrome (real provincial pages weigh 50-150 kB, mirror pages less).

    python benchmarks/bench_parse.py [--per-site 100] [--rounds 3] [--pad-kb 80]
"""
from __future__ import annotations

import argparse
import os
import resource
import ssl
import statistics
import sys
import time
import tracemalloc
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portal_mirror import MirrorServer  # noqa: E402
from scrapers.charset import decode_body  # noqa: E402
from scrapers.parsing import PARSER_VERSION, parse_article  # noqa: E402
from scrapers.registry import load_registry  # noqa: E402

TARGET_PAGES_PER_SECOND = 200


def fetch_pages(per_site: int | None) -> list[tuple[str, str, str]]:
    """(site_id, url, html) for every article the mirror serves."""
    ctx = ssl.create_default_context(cafile=str(REPO / "portal_mirror" / "certs" / "ca-bundle.pem"))
    with MirrorServer(per_site=per_site) as mirror:
        articles = mirror.catalog()

        def fetch(article):
            with urllib.request.urlopen(article.url, context=ctx, timeout=60) as resp:
                return article.site_id, article.url, decode_body(resp.read(), dict(resp.headers))

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(fetch, articles))


def pad(html: str, kb: int) -> str:
    """Grow a page with the chrome real portals carry: long menus and link lists, scripts."""
    if kb <= 0:
        return html
    item = '<li class="menu-item"><a href="/tin-tuc/chuyen-muc-{0}.html">Chuyên mục tin tức số {0} của tỉnh</a></li>'
    block = ['<div class="mega-menu"><ul>']
    i = 0
    while sum(map(len, block)) < kb * 1024 * 0.7:
        block.append(item.format(i))
        i += 1
    block.append("</ul></div><script>var menu = " + repr(["x" * 40] * int(kb * 8)) + ";</script>")
    chrome = "".join(block)
    return html.replace("</body>", chrome + "</body>", 1) if "</body>" in html else html + chrome


def run(items, configs, rounds: int) -> tuple[float, float, list[float]]:
    latencies: list[float] = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for site_id, url, html in items:
            portal = configs[site_id]
            t = time.perf_counter()
            parse_article(html, url, portal.parse_config, portal.province)
            latencies.append(time.perf_counter() - t)
    n = len(items) * rounds
    return n / (time.perf_counter() - wall0), n / (time.process_time() - cpu0), latencies


def report(label: str, items, configs, rounds: int) -> float:
    run(items[:20], configs, 1)  # warm caches (compiled patterns, word hashes)
    wall_rate, cpu_rate, lat = run(items, configs, rounds)
    tracemalloc.start()
    for site_id, url, html in items[:100]:
        parse_article(html, url, configs[site_id].parse_config, configs[site_id].province)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lat_ms = sorted(x * 1000 for x in lat)
    size_kb = statistics.mean(len(h.encode()) for _, _, h in items) / 1024
    print(f"{label}: {len(items)} pages x {rounds} rounds, mean page {size_kb:.1f} kB")
    verdict = "met" if cpu_rate >= TARGET_PAGES_PER_SECOND else "NOT met"
    print(f"  throughput on one core: {cpu_rate:.0f} pages/s of CPU time (target >= {TARGET_PAGES_PER_SECOND}: {verdict}); "
          f"{wall_rate:.0f} pages/s wall clock (lower when other processes share the core)")
    print(f"  latency per page: p50 {lat_ms[len(lat_ms) // 2]:.2f} ms, p95 {lat_ms[int(len(lat_ms) * 0.95)]:.2f} ms, "
          f"max {lat_ms[-1]:.2f} ms")
    print(f"  peak Python allocations while parsing one page at a time: {traced_peak / 1024 / 1024:.1f} MiB")
    return cpu_rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-site", type=int, default=100, help="synthetic articles per mirror site")
    ap.add_argument("--rounds", type=int, default=3, help="times each page is parsed")
    ap.add_argument("--pad-kb", type=int, default=80, help="also measure pages padded to about this size (0: skip)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    registry = load_registry()
    pages = fetch_pages(args.per_site)
    sites = sorted({s for s, _, _ in pages})
    configs = {s: registry.get(s) for s in sites}
    print(f"parser {PARSER_VERSION}; {len(pages)} article pages from {len(sites)} mirror sites: {', '.join(sites)}")
    rate = report("mirror pages", pages, configs, args.rounds)
    if args.pad_kb:
        padded = [(s, u, pad(h, args.pad_kb)) for s, u, h in pages]
        rate = min(rate, report(f"pages padded with ~{args.pad_kb} kB of menus/scripts", padded, configs, 1))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process (pages held in memory included): {peak_rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
