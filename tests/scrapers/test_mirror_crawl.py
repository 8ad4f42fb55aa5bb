"""Discovery and crawl against the portal mirror: every layout, faults, robots, TLS, charsets."""
from __future__ import annotations

import threading
from dataclasses import replace
import tracemalloc
from datetime import datetime

import pytest

from portal_mirror import FaultPlan, MirrorServer
from scrapers.crawl import MemoryPageStore, crawl_portal
from scrapers.discovery import discover, normalise_url
from scrapers.fetch import Fetcher, HostPolicy
from scrapers.registry import VN_TZ, LinkRules, load_registry

SITES = ["hagiang_stttt", "hagiang_portal", "dongthap_stttt", "cantho_sokhcn", "baohaugiang",
         "tuyenquang_stttt", "tuyenquang_portal", "baotuyenquang"]


def day(*a) -> datetime:
    return datetime(*a, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def mirror():
    m = MirrorServer()
    m.start()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def registry(mirror):
    return load_registry(base_url_overrides=mirror.sites)


@pytest.fixture(autouse=True)
def no_faults(mirror):
    mirror.set_faults(FaultPlan())
    yield
    mirror.set_faults(FaultPlan())


def fast_fetcher(**kw) -> Fetcher:
    """Mirror mode, quick: high rate, short timeouts and backoff, scaled-down Crawl-delay."""
    kw.setdefault("read_timeout", 0.6)
    return Fetcher(allow_private=True, policy_override={"requests_per_second": 200.0, "read_timeout": kw.pop("read_timeout"),
                                                        "connect_timeout": 1.0},
                   backoff_initial=0.02, backoff_max=0.1, backoff_jitter=0.02, crawl_delay_scale=0.01, **kw)


def expected_urls(mirror, site_id, start, end, with_faults=True) -> set[str]:
    urls = {normalise_url(a.url) for a in mirror.catalog() if a.site_id == site_id and start <= a.published < end}
    if with_faults:
        urls |= {normalise_url(f["url"]) for f in mirror.fixed_faults()
                 if f["site_id"] == site_id and start <= f["published"] < end}
    return urls


def discovered_urls(portal, start, end, register: bool = False) -> set[str]:
    """The URLs discovery finds for a portal over an interval (normalised), on a quick fetcher."""
    with fast_fetcher() as f:
        if register:
            f.register(portal.base_url, portal.host_policy())
        return {normalise_url(a.url) for a in discover(portal, start, end, f)}


@pytest.mark.parametrize("site_id", SITES)
@pytest.mark.parametrize("start, end", [(day(2018, 1, 1), day(2026, 1, 1)), (day(2021, 1, 1), day(2023, 7, 1))])
def test_discovery_returns_exactly_the_mirror_articles_in_the_interval(mirror, registry, site_id, start, end):
    portal = registry.get(site_id)
    with fast_fetcher() as f:
        f.register(portal.base_url, portal.host_policy())
        found = discover(portal, start, end, f)
    got = {normalise_url(a.url) for a in found}
    assert got == expected_urls(mirror, site_id, start, end)
    assert len(found) == len(got)
    assert all(a.listed_published is None or start <= a.listed_published < end for a in found)


@pytest.mark.parametrize("site_id", SITES)
def test_portal_without_selectors_falls_back_to_generic_link_discovery(mirror, registry, site_id):
    portal = replace(registry.get(site_id), links=LinkRules(), discovery=("listing",))
    start, end = day(2018, 1, 1), day(2026, 1, 1)
    assert discovered_urls(portal, start, end) == expected_urls(mirror, site_id, start, end)


@pytest.mark.parametrize("site_id", ["baohaugiang", "tuyenquang_portal"])
def test_short_interval_on_a_legacy_site_uses_the_date_archive(mirror, registry, site_id):
    portal = registry.get(site_id)
    target = next(a for a in mirror.catalog() if a.site_id == site_id and a.published.year == 2021)
    start = target.published.replace(hour=0, minute=0, second=0)
    end = day(start.year, start.month, start.day + 1) if start.day < 28 else start.replace(hour=23, minute=59)
    mirror.clear_requests()
    found = discovered_urls(portal, start, end, register=True)
    assert found == expected_urls(mirror, site_id, start, end)
    assert normalise_url(target.url) in found
    paths = [r["path"] for r in mirror.requests() if r["site_id"] == site_id]
    assert any(p.startswith("/xem-tin-theo-ngay.html") for p in paths)
    assert not any(p.split("?")[0] in ("/thoi-su.html", "/tin-tuc.html") for p in paths)


def test_old_interval_on_a_long_listing_seeks_instead_of_walking():
    with MirrorServer(per_site=400) as big:
        portal = load_registry(base_url_overrides=big.sites).get("hagiang_stttt")
        start, end = day(2018, 6, 1), day(2018, 9, 1)
        with fast_fetcher() as f:
            f.register(portal.base_url, portal.host_policy())
            found = discover(portal, start, end, f)
        assert {normalise_url(a.url) for a in found} == expected_urls(big, "hagiang_stttt", start, end)
        listing_reqs = [r for r in big.requests() if r["site_id"] == "hagiang_stttt"
                        and "view_content" not in r["path"] and r["path"] != "/robots.txt"]
        per_category = [sum(1 for a in big.catalog() if a.site_id == "hagiang_stttt" and a.category == c)
                        for c in ("tin-tuc-su-kien", "chuyen-doi-so")]
    total_pages = sum(-(-n // 10) for n in per_category)
    assert total_pages >= 30
    # the interval sits near the end of both listings: a linear walk reads nearly every page
    assert len(listing_reqs) <= total_pages // 2, (len(listing_reqs), total_pages)


def crawl_all(registry, site_ids, start, end, fetcher, store):
    reports = {}

    def run(pid):
        reports[pid] = crawl_portal(registry.get(pid), start, end, fetcher, store, run_id="t")

    threads = [threading.Thread(target=run, args=(pid,)) for pid in site_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return reports


def test_with_20_percent_faults_every_article_still_arrives(mirror, registry):
    sites = ["hagiang_stttt", "hagiang_portal", "baohaugiang", "tuyenquang_stttt"]
    start, end = day(2022, 1, 1), day(2024, 7, 1)
    mirror.set_faults(FaultPlan(failure_rate=0.2, kinds=("500", "503", "timeout", "reset"), hang_seconds=1.5,
                                seed=11, max_consecutive=2, truncated=0.05, slow_body=0.05, slow_seconds=0.5))
    mirror.clear_requests()
    store = MemoryPageStore()
    with fast_fetcher(max_attempts=5) as f:
        reports = crawl_all(registry, sites, start, end, f, store)
    faults = [r for r in mirror.requests() if r.get("fault")]
    assert len(faults) > 20  # the plan really injected failures
    assert {"500", "503", "timeout", "reset", "truncated"} <= {str(r["fault"]) for r in faults}
    for pid in sites:
        r = reports[pid]
        assert r.portal_error is None
        want = expected_urls(mirror, pid, start, end, with_faults=False)
        got = {normalise_url(a.url) for a in r.articles if a.page_id is not None}
        assert want <= got, (pid, want - got)
        for page in store.pages.values():  # no truncated body was ever kept
            length = {k.lower(): v for k, v in page.result.headers.items()}.get("content-length")
            assert length is None or int(length) == len(page.result.body)
        kinds = {e for _, e in r.failures}
        assert all("cap" in e or "redirect loop" in e for e in kinds), (pid, r.failures)


def test_fixed_faults_robots_big_page_and_redirect_loop(mirror, registry):
    sites = ["hagiang_stttt", "dongthap_stttt", "tuyenquang_portal"]
    start, end = day(2018, 1, 1), day(2026, 1, 1)
    mirror.clear_requests()
    store = MemoryPageStore()
    with fast_fetcher() as f:
        tracemalloc.start()
        reports = crawl_all(registry, sites, start, end, f, store)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    served = [(r["site_id"], r["path"]) for r in mirror.requests()]
    for fault in (x for x in mirror.fixed_faults() if x["site_id"] in sites):
        r = reports[fault["site_id"]]
        url = normalise_url(fault["url"])
        if fault["kind"] == "robots_disallowed":
            assert url in {normalise_url(u) for u in r.disallowed}
            assert (fault["site_id"], fault["url_path"]) not in served  # the mirror's log proves it
        elif fault["kind"] == "big_page":
            err = dict(r.failures)[fault["url"]]
            assert "20971520 bytes" in err and "cap" in err
        elif fault["kind"] == "redirect_loop":
            assert dict(r.failures)[fault["url"]].startswith("redirect loop: ")
    assert peak < 40 * 1024 * 1024, peak  # three sites' pages, never a 20 MB body


def test_one_site_down_names_it_and_the_others_complete(mirror, registry):
    sites = ["hagiang_stttt", "dongthap_stttt", "tuyenquang_portal"]
    start, end = day(2023, 1, 1), day(2024, 1, 1)
    mirror.set_faults(FaultPlan(down_sites={"dongthap_stttt"}))
    with fast_fetcher(max_attempts=2) as f:
        reports = crawl_all(registry, sites, start, end, f, MemoryPageStore())
    assert reports["dongthap_stttt"].portal_error and "dongthap_stttt" in reports["dongthap_stttt"].portal_error
    assert "dongthap_stttt" in reports["dongthap_stttt"].summary()
    for pid in ("hagiang_stttt", "tuyenquang_portal"):
        assert reports[pid].portal_error is None
        got = {normalise_url(a.url) for a in reports[pid].articles}
        assert expected_urls(mirror, pid, start, end, with_faults=False) <= got


def test_rerun_of_an_interval_fetches_nothing_new(mirror, registry):
    portal = registry.get("tuyenquang_stttt")
    start, end = day(2023, 6, 1), day(2024, 6, 1)
    store = MemoryPageStore()
    with fast_fetcher() as f:
        first = crawl_portal(portal, start, end, f, store, run_id="one")
        rows = len(store.pages)
        mirror.clear_requests()
        second = crawl_portal(portal, start, end, f, store, run_id="two")
    assert first.stored >= 5 and second.stored == 0
    assert second.not_modified == first.stored + first.not_modified
    assert len(store.pages) == rows
    article_statuses = {r["status"] for r in mirror.requests() if r["site_id"] == "tuyenquang_stttt"
                        and r["path"].endswith(".html") and "?" not in r["path"] and r["path"] != "/tin-tuc.html"
                        and not r["path"].startswith(("/chuyen-doi-so.html", "/xem-tin"))}
    assert article_statuses == {304}


def test_cp1258_site_is_decoded_to_nfc(mirror, registry):
    portal = registry.get("tuyenquang_stttt")
    art = next(a for a in mirror.catalog() if a.site_id == "tuyenquang_stttt" and a.seed_doc)
    with fast_fetcher() as f:
        f.register(portal.base_url, portal.host_policy())
        r = f.fetch(art.url)
    assert r.ok and r.encoding == "cp1258"
    assert "charset" not in r.headers.get("Content-Type", "")
    import unicodedata
    assert unicodedata.normalize("NFC", art.title) in r.text and unicodedata.is_normalized("NFC", r.text)


def test_incomplete_tls_chain_needs_the_registry_bundle(mirror, registry):
    portal = registry.get("hagiang_portal")
    assert portal.base_url.startswith("https://")
    with fast_fetcher() as f:
        f.register(portal.base_url, portal.host_policy())
        good = f.fetch(portal.listings[0].url)
    with Fetcher(allow_private=True, default_policy=HostPolicy(read_timeout=2, requests_per_second=100), max_attempts=1) as f:
        bad = f.fetch(portal.listings[0].url)  # system CAs only: the leaf cannot be verified
    assert good.ok
    assert bad.error_kind == "tls" and "certificate" in bad.error.lower()


def test_recent_interval_on_nukeviet_is_read_from_the_feed_alone(mirror, registry):
    portal = registry.get("cantho_sokhcn")
    start, end = day(2025, 1, 1), day(2026, 1, 1)
    mirror.clear_requests()
    assert discovered_urls(portal, start, end) == expected_urls(mirror, "cantho_sokhcn", start, end) != set()
    paths = [r["path"] for r in mirror.requests() if r["site_id"] == "cantho_sokhcn"]
    assert sorted(paths) == ["/robots.txt", "/vi/news/rss/"]  # Crawl-delay 5: one request instead of a walk


def test_sitemap_strategy_with_day_aligned_interval(mirror, registry):
    portal = replace(registry.get("cantho_sokhcn"), discovery=("sitemap",))
    start, end = day(2024, 1, 1), day(2025, 1, 1)
    assert discovered_urls(portal, start, end) == expected_urls(mirror, "cantho_sokhcn", start, end)


def test_aspnet_later_pages_come_from_the_post_endpoint(mirror, registry):
    portal = registry.get("hagiang_portal")
    start, end = day(2018, 1, 1), day(2026, 1, 1)
    mirror.clear_requests()
    assert discovered_urls(portal, start, end) == expected_urls(mirror, "hagiang_portal", start, end)
    posts = [r for r in mirror.requests() if r["site_id"] == "hagiang_portal" and r["method"] == "POST"]
    assert posts and all(r["path"] == "/Pages/ArticleInMenuPagination.aspx/LoadArticle" and r["status"] == 200
                         for r in posts)
