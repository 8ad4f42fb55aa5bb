"""A source with no selectors at all, crawled and parsed end to end: the mirror's newsroom site.

Its pages carry what real news sites do (the story inside a column named "sidebar-1", a script-written
"today" date in the header, a "Tin mới" box between lead and body, an embedded related story marked
only by an attribute, a d-none block, related news, comments); the registry entry names only the
category pages. Every article must come back whole, with its lead and date, and no furniture."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from portal_mirror import MirrorServer
from portal_mirror.content import site_contents
from scrapers.crawl import MemoryPageStore, crawl_portal
from scrapers.discovery import normalise_url
from scrapers.fetch import Fetcher
from scrapers.parsing.article import parse_page
from scrapers.probe import probe_source
from scrapers.registry import VN_TZ, load_registry

SITE = "baotuyenquang"
FURNITURE = ["Tin mới", "Bản in của bài viết", "Đọc nhiều", "Ý kiến bạn đọc", "Từ khóa", "Đường dây nóng",
             "Tin liên quan", "Giấy phép số", "Trang chủ"]


@pytest.fixture(scope="module")
def mirror():
    m = MirrorServer(site_ids=[SITE])
    m.start()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def portal(mirror):
    return load_registry(base_url_overrides=mirror.sites).get(SITE)


def fetcher() -> Fetcher:
    return Fetcher(allow_private=True, policy_override={"requests_per_second": 200.0}, crawl_delay_scale=0.01)


def test_registry_entry_has_no_selectors(portal):
    assert portal.links.generic and portal.parse_config.is_generic
    assert portal.parse_config == type(portal.parse_config)()


def test_every_article_is_crawled_and_parsed_whole(mirror, portal):
    truth = {a.url_path: a for a in site_contents()[SITE].articles if a.kind != "fault"}
    start, end = datetime(2018, 1, 1, tzinfo=VN_TZ), datetime(2026, 1, 1, tzinfo=VN_TZ)
    store = MemoryPageStore()
    with fetcher() as f:
        report = crawl_portal(portal, start, end, f, store)
    intended = {normalise_url(f["url"]) for f in mirror.fixed_faults()}  # redirect loop, 20 MB page
    assert not report.portal_error and not report.degraded
    assert {normalise_url(url) for url, _ in report.failures} <= intended
    served = [a for a in report.articles if a.page_id is not None]
    assert {normalise_url(a.url) for a in served} == {normalise_url(mirror.sites[SITE] + p) for p in truth}
    for ref in served:
        page = store.pages[ref.page_id]
        article = truth[urlsplit(ref.url).path]
        parsed = parse_page(page.result.body, ref.url, portal.parse_config, portal.province,
                            headers=page.result.headers)
        assert parsed.title == article.title
        assert parsed.published_at == article.published.astimezone(VN_TZ)
        assert parsed.lead == article.lead
        assert parsed.body_text.startswith(article.lead or article.paragraphs[0])
        assert article.paragraphs[-1] in parsed.body_text
        assert all(p in parsed.body_text for p in article.paragraphs)
        assert not [s for s in FURNITURE if s in parsed.body_text], ref.url
        assert not parsed.has_flag("body_shorter_than_page")


def test_sources_check_reports_each_probe(portal):
    with fetcher() as f:
        report = probe_source(portal, f)
    probes = {p.name: p for p in report.probes}
    assert list(probes) == ["robots", "sitemap", "feed", "listing", "article"]
    assert probes["robots"].ok and probes["listing"].ok and probes["article"].ok
    assert probes["sitemap"].ok is None and probes["feed"].ok is None
    assert "generic link extraction" in probes["listing"].detail
    assert report.usable
