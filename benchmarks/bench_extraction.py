"""Extraction throughput on one core: articles per second for ~5 KB articles, and peak memory.

usage: python benchmarks/bench_extraction.py [--articles N] [--size BYTES]
Articles are built from the seed articles (cycled and trimmed to about SIZE bytes of UTF-8), so
the mix of figure-rich and figure-free text is the seeds' own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extraction import extract  # noqa: E402

SEEDS = ROOT / "portal_mirror" / "content" / "seed_articles"


def build_articles(n: int, size: int) -> list[tuple[str, dt.date, str]]:
    metas = [json.loads(line) for line in (SEEDS / "seed_articles.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [(SEEDS / m["doc"]).read_text(encoding="utf-8") for m in metas]
    out = []
    for i in range(n):
        m, base = metas[i % len(metas)], texts[i % len(texts)]
        text = base
        k = 1
        while len(text.encode("utf-8")) < size:
            text += "\n\n" + texts[(i + k) % len(texts)]
            k += 1
        raw = text.encode("utf-8")[:size].decode("utf-8", errors="ignore")
        out.append((raw, dt.date.fromisoformat(m["published"]), m["province"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--size", type=int, default=5000)
    a = ap.parse_args()
    articles = build_articles(a.articles, a.size)
    extract(*articles[0])  # load rules once, outside the timing
    t0 = time.process_time()
    w0 = time.perf_counter()
    figures = sum(len(extract(text, published=pub, province=prov)) for text, pub, prov in articles)
    cpu = time.process_time() - t0
    wall = time.perf_counter() - w0
    tracemalloc.start()
    for text, pub, prov in articles[:50]:
        extract(text, published=pub, province=prov)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    big = articles[0][0] * (1_000_000 // len(articles[0][0]) + 1)
    t1 = time.perf_counter()
    tracemalloc.start()
    big_figures = len(extract(big, published=articles[0][1]))
    _, big_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    big_s = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles={len(articles)} size~{a.size}B figures={figures}")
    print(f"throughput: {len(articles) / cpu:.0f} articles/s (CPU time, one core); {len(articles) / wall:.0f} articles/s wall")
    print(f"peak Python memory per 5 KB article: {peak / 1024:.0f} KiB (tracemalloc)")
    print(f"1 MB article: {big_figures} figures in {big_s:.2f} s, peak {big_peak / 1e6:.1f} MB (tracemalloc)")
    print(f"process max RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
