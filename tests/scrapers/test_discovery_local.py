"""Discovery and crawl against a tiny synthetic site: interval exactness, page seeking, archive,
feed, reruns, failures. (The mirror-based tests cover the real layouts.)"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from scrapers.crawl import MemoryPageStore, crawl_portal
from scrapers.discovery import discover
from scrapers.fetch import Fetcher, HostPolicy
from scrapers.registry import VN_TZ, registry_from_mapping

from .conftest import Reply

N_ARTICLES = 95
PER_PAGE = 10
NEWEST = datetime(2024, 12, 31, 9, 30, tzinfo=VN_TZ)


def articles():
    """Newest first: id, published (every 25 days back to 2018, at varying hours)."""
    return [(N_ARTICLES - i, NEWEST - timedelta(days=25 * i, hours=i % 7)) for i in range(N_ARTICLES)]


def item_html(aid, when):
    return (f'<div class="news-item"><a class="news-title" href="tin-tuc/bai-viet-{aid}.html">Bài viết số {aid} về chuyển đổi số</a>'
            f'<span class="news-date">ngày {when.day} tháng {when.month} năm {when.year} - {when:%H:%M}</span></div>')


def site_routes(broken: set[int] = frozenset()):
    arts = articles()

    def listing(h):
        q = parse_qs(urlsplit(h.path).query)
        page = int(q.get("page", ["1"])[0])
        chunk = arts[(page - 1) * PER_PAGE: page * PER_PAGE]
        items = "".join(item_html(a, w) for a, w in chunk)
        hidden = '<div style="display:none"><a href="/nha-cai/casino-123456.html">nhà cái uy tín số một</a></div>'
        return Reply(body=f'<html><body><div class="list-news">{items}</div>{hidden}</body></html>'.encode())

    def archive(h):
        q = {k: int(v[0]) for k, v in parse_qs(urlsplit(h.path).query).items()}
        items = "".join(item_html(a, w) for a, w in arts
                        if (w.year, w.month, w.day) == (q["nam"], q["thang"], q["ngay"]) and q.get("page", 1) == 1)
        return Reply(body=f'<html><body><div class="list-news">{items}</div></body></html>'.encode())

    def feed(h):
        entries = "".join(f"<item><title>Bài {a}</title><link>http://{h.headers['Host']}/tin-tuc/bai-viet-{a}.html</link>"
                          f"<pubDate>{w.strftime('%a, %d %b %Y %H:%M:%S +0700')}</pubDate></item>" for a, w in arts[:20])
        return Reply(body=f'<?xml version="1.0"?><rss><channel>{entries}</channel></rss>'.encode(),
                     headers={"Content-Type": "application/rss+xml"})

    def article(h):
        aid = int(h.path.rsplit("-", 1)[1].split(".")[0])
        if aid in broken:
            return Reply(500, b"broken")
        body = f"<html><body><h1>Bài viết số {aid}</h1><p>Nội dung</p></body></html>".encode()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if h.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8", "ETag": etag})

    return {"/tin-tuc.html": listing, "/xem-tin-theo-ngay.html": archive, "/rss": feed, "*": article}


def portal_for(url, **extra):
    entry = {"id": "tiny_portal", "province": "Tuyên Quang", "name": "Tiny", "base_url": "https://tiny.gov.vn",
             "listings": [{"url": "/tin-tuc.html", "category": "tin-tuc"}],
             "links": {"items": "div.list-news div.news-item", "link": "a.news-title", "date": "span.news-date"},
             "pagination": {"kind": "query", "param": "page", "max_pages": 50},
             "archive": {"url_template": "/xem-tin-theo-ngay.html?ngay={day}&thang={month}&nam={year}", "max_days": 7,
                         "pagination": {"kind": "query", "param": "page"}},
             "feed": "/rss", **extra}
    reg = registry_from_mapping({"portals": [entry]}, base_url_overrides={"tiny_portal": url})
    return reg.get("tiny_portal")


@pytest.fixture
def fetcher():
    f = Fetcher(allow_private=True, default_policy=HostPolicy(requests_per_second=500, read_timeout=2),
                policy_override={"requests_per_second": 500}, backoff_initial=0.01, backoff_max=0.02, max_attempts=2)
    yield f
    f.close()


def expected(start, end):
    return {f"bai-viet-{a}.html" for a, w in articles() if start <= w < end}


def names(found):
    return {a.url.rsplit("/", 1)[1] for a in found}


@pytest.mark.parametrize("start, end", [
    (datetime(2020, 1, 1, tzinfo=VN_TZ), datetime(2020, 7, 1, tzinfo=VN_TZ)),   # deep in the past: seek
    (datetime(2024, 10, 1, tzinfo=VN_TZ), datetime(2025, 1, 1, tzinfo=VN_TZ)),  # newest pages
    (datetime(2010, 1, 1, tzinfo=VN_TZ), datetime(2030, 1, 1, tzinfo=VN_TZ)),   # everything
    (datetime(2001, 1, 1, tzinfo=VN_TZ), datetime(2002, 1, 1, tzinfo=VN_TZ)),   # before the site: nothing
])
def test_listing_walk_returns_exactly_the_interval(make_server, fetcher, start, end):
    srv = make_server(site_routes())
    portal = portal_for(srv.url, discovery=["listing"])
    found = discover(portal, start, end, fetcher)
    assert names(found) == expected(start, end)
    assert all(start <= a.listed_published < end for a in found)
    assert not any("casino" in a.url for a in found)  # hidden spam links are not listing items


def test_old_interval_seeks_instead_of_walking_every_page(make_server, fetcher):
    srv = make_server(site_routes())
    portal = portal_for(srv.url, discovery=["listing"])
    start, end = datetime(2020, 1, 1, tzinfo=VN_TZ), datetime(2020, 3, 1, tzinfo=VN_TZ)
    found = discover(portal, start, end, fetcher)
    assert names(found) == expected(start, end) and found
    listing_requests = [p for p in srv.paths() if p.startswith("/tin-tuc.html")]
    first_needed = min(i for i, (_, w) in enumerate(articles()) if w < end) // PER_PAGE + 1
    assert first_needed >= 6
    assert len(listing_requests) < first_needed  # a linear walk would read every page up to it


def test_short_interval_uses_the_date_archive(make_server, fetcher):
    srv = make_server(site_routes())
    portal = portal_for(srv.url)
    aid, when = articles()[40]
    start = when.replace(hour=0, minute=0)
    found = discover(portal, start, start + timedelta(days=1), fetcher)
    assert names(found) == {f"bai-viet-{aid}.html"}
    assert not any(p.startswith("/tin-tuc.html") for p in srv.paths())
    assert any(p.startswith("/xem-tin-theo-ngay.html") for p in srv.paths())


def test_feed_used_when_it_reaches_back_far_enough(make_server, fetcher):
    srv = make_server(site_routes())
    portal = portal_for(srv.url, discovery=["feed", "listing"])
    recent = (datetime(2024, 11, 1, tzinfo=VN_TZ), datetime(2025, 1, 1, tzinfo=VN_TZ))
    assert names(discover(portal, *recent, fetcher)) == expected(*recent)
    assert not any(p.startswith("/tin-tuc.html") for p in srv.paths())
    old = (datetime(2021, 1, 1, tzinfo=VN_TZ), datetime(2021, 3, 1, tzinfo=VN_TZ))
    assert names(discover(portal, *old, fetcher)) == expected(*old)  # feed too short: listings walked
    assert any(p.startswith("/tin-tuc.html") for p in srv.paths())


def test_crawl_stores_each_article_then_rerun_costs_only_304s(make_server, fetcher):
    srv = make_server(site_routes(broken={70}))
    portal = portal_for(srv.url, discovery=["listing"])
    store = MemoryPageStore()
    start, end = datetime(2023, 1, 1, tzinfo=VN_TZ), datetime(2024, 1, 1, tzinfo=VN_TZ)
    want = expected(start, end)
    first = crawl_portal(portal, start, end, fetcher, store, run_id="r1")
    assert first.portal_error is None and first.articles_found == len(want)
    assert first.failures == [(f"{srv.url}/tin-tuc/bai-viet-70.html", f"HTTP 500 for {srv.url}/tin-tuc/bai-viet-70.html")]
    assert first.stored == len(want) - 1 and names(first.articles) == want - {"bai-viet-70.html"}
    pages_before = len(store.pages)
    second = crawl_portal(portal, start, end, fetcher, store, run_id="r2")
    assert second.stored == 0 and second.not_modified == len(want) - 1
    assert len(store.pages) == pages_before  # listing bodies unchanged, articles 304: no new rows
    outcomes = {(r["run_id"], r["outcome"]) for r in store.fetch_log if "bai-viet" in r["url"]}
    assert ("r2", "not_modified") in outcomes and ("r2", "stored") not in outcomes
    assert {a.page_id for a in second.articles} == {a.page_id for a in first.articles}


def test_unreachable_portal_is_named_in_the_report(make_server, fetcher):
    srv = make_server(site_routes())
    url = srv.url
    srv.stop()
    portal = portal_for(url, discovery=["listing"])
    report = crawl_portal(portal, datetime(2023, 1, 1, tzinfo=VN_TZ), datetime(2024, 1, 1, tzinfo=VN_TZ),
                          fetcher, MemoryPageStore())
    assert report.portal_error and report.portal_error.startswith("portal tiny_portal unreachable")
    assert report.articles == [] and "robots.txt" in report.portal_error


def test_inactive_portal_makes_no_request(make_server, fetcher):
    srv = make_server(site_routes())
    portal = portal_for(srv.url, active_until="2019-12-31")
    report = crawl_portal(portal, datetime(2023, 1, 1, tzinfo=VN_TZ), datetime(2024, 1, 1, tzinfo=VN_TZ),
                          fetcher, MemoryPageStore())
    assert report.inactive and srv.log == []


def test_a_listing_that_returns_garbage_fails_the_portal(make_server, fetcher):
    """A changed layout used to read as "ok, 0 articles"."""
    routes = site_routes()
    routes["/tin-tuc.html"] = lambda h: Reply(body=b"<html><body><p>Trang dang bao tri</p></body></html>")
    srv = make_server(routes)
    portal = portal_for(srv.url, discovery=["listing"])
    report = crawl_portal(portal, datetime(2023, 1, 1, tzinfo=VN_TZ), datetime(2024, 1, 1, tzinfo=VN_TZ),
                          fetcher, MemoryPageStore())
    assert report.portal_error and "held no article link" in report.portal_error
    assert "PORTAL ERROR" in report.summary()


def test_a_listing_page_that_fails_marks_the_crawl_degraded(make_server, fetcher):
    """A listing page failing after its retries dropped the rest of the listing, reported "ok"."""
    routes = site_routes()
    listing = routes["/tin-tuc.html"]
    routes["/tin-tuc.html"] = lambda h: Reply(503, b"busy") if "page=3" in h.path else listing(h)
    srv = make_server(routes)
    portal = portal_for(srv.url, discovery=["listing"])
    start, end = datetime(2023, 1, 1, tzinfo=VN_TZ), datetime(2024, 1, 1, tzinfo=VN_TZ)
    report = crawl_portal(portal, start, end, fetcher, MemoryPageStore())
    assert report.portal_error is None
    assert report.listing_failures >= 1 and report.degraded and "listing pages" in report.degraded
    assert "DEGRADED" in report.summary()
    clean = crawl_portal(portal_for(make_server(site_routes()).url, discovery=["listing"]), start, end, fetcher,
                         MemoryPageStore())
    assert clean.degraded is None and clean.listing_failures == 0
