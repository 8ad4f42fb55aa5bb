"""The pipeline steps against the mirror and a real Postgres: crawl -> raw.pages -> parse ->
staging.articles -> extract -> staging.indicator_mentions, and an idempotent rerun."""
from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest

from portal_mirror import MirrorServer
from vnict import pipeline

pytestmark = pytest.mark.integration  # needs a real Postgres

SEED_PROVINCES = {
    "000_b826024c2f3ec572.txt": "Hà Giang",
    "001_043c0eecbb89d818.txt": "Hà Giang",
    "002_2acda566cfc161e9.txt": "Đồng Tháp",
    "003_b78144cd4fec881c.txt": "Hậu Giang",
    "004_c18f5cd2e7e3ddb2.txt": "Tuyên Quang",
}


@pytest.fixture(scope="module")
def mirror():
    with MirrorServer() as server:
        yield server


@pytest.fixture
def settings(test_settings, tmp_path, mirror):
    s = dataclasses.replace(test_settings, state_dir=tmp_path / "state", sources_mode="mirror")
    s.run_dir.mkdir(parents=True)
    s.mirror_sites_file.write_text(json.dumps(mirror.sites))
    return s


def _seed_windows(mirror):
    """(portal, start, end) around each seed article's publication day."""
    windows = []
    for article in mirror.catalog():
        if article.seed_doc:
            day = article.published.replace(hour=0, minute=0, second=0, microsecond=0)
            windows.append((article.site_id, day, day + timedelta(days=1)))
    return windows


def _crawl_parse_extract(windows, dsn, settings):
    def one(window):
        portal_id, start, end = window
        report = pipeline.crawl(portal_id, start, end, dsn, run_id="test", settings=settings)
        return report

    with ThreadPoolExecutor(max_workers=len(windows)) as pool:
        reports = list(pool.map(one, windows))
    parsed = [pipeline.parse(r["page_ids"], dsn, settings=settings) for r in reports]
    extracted = pipeline.extract(dsn)
    return reports, parsed, extracted


def _snapshot(dsn):
    with psycopg.connect(dsn) as conn:
        articles = conn.execute("select article_id, url, body_sha256, updated_at, duplicate_urls"
                                " from staging.articles order by article_id").fetchall()
        mentions = conn.execute("select mention_id, extracted_at from staging.indicator_mentions"
                                " order by mention_id").fetchall()
        pages = conn.execute("select page_id, content_sha256 from raw.pages order by page_id").fetchall()
    return articles, mentions, pages


def test_seed_articles_flow_into_staging_once_and_a_rerun_changes_nothing(mirror, settings, warehouse_dsn):
    windows = _seed_windows(mirror)
    assert len(windows) == 6  # five seeds, 004 on two portals
    reports, parsed, extracted = _crawl_parse_extract(windows, warehouse_dsn, settings)
    assert all(not r["portal_error"] for r in reports)
    assert extracted["figures"] > 0

    seeds = {a.url: a for a in mirror.catalog() if a.seed_doc}
    with psycopg.connect(warehouse_dsn) as conn:
        rows = conn.execute("select url, province_name, published_date, quality_flags, source_outlet,"
                            " duplicate_urls from staging.articles").fetchall()
        by_url = {r[0]: r for r in rows}
        seed_rows = {url: by_url[url] for url in seeds if url in by_url}
        # 004 is published on two portals: one row, the original, with the copy's URL recorded
        assert len(seed_rows) == 5
        copies = [a for a in seeds.values() if a.syndicated_from]
        assert len(copies) == 1
        original = next(a for a in seeds.values() if a.seed_doc == copies[0].seed_doc and not a.syndicated_from)
        assert copies[0].url not in by_url
        assert seed_rows[original.url][5] == [copies[0].url]
        for url, row in seed_rows.items():
            seed = seeds[url]
            assert row[1] == SEED_PROVINCES[seed.seed_doc]
            assert row[2] == seed.published.date()
        spam = next(r for u, r in seed_rows.items() if seeds[u].seed_doc.startswith("003"))
        assert "spam_injection" in {f["flag"] for f in spam[3]}
        republished = next(r for u, r in seed_rows.items() if seeds[u].seed_doc.startswith("001"))
        assert republished[4] == "Báo Điện tử Đảng Cộng sản Việt Nam"
        # the figure the issue names: Hà Giang, BTS stations, 2018, about 1700
        bts = conn.execute(
            "select m.value, m.reference_year, m.qualifier from staging.indicator_mentions m"
            " join staging.articles a using (article_id)"
            " where a.province_name = 'Hà Giang' and m.indicator_code = 'bts_stations'").fetchall()
        assert (1700, 2018, "approx") in [(int(v), y, q) for v, y, q in bts]
        # both copies of 004 stay in raw.pages
        stored = {r[0] for r in conn.execute("select url from raw.pages")}
        assert {original.url, copies[0].url} <= stored

    before = _snapshot(warehouse_dsn)
    reports, parsed, extracted = _crawl_parse_extract(windows, warehouse_dsn, settings)
    assert sum(r["pages_fetched"] - r["not_modified"] for r in reports) == 0
    assert extracted["articles"] == 0
    assert _snapshot(warehouse_dsn) == before


def test_a_new_extractor_version_rereads_stored_articles(mirror, settings, warehouse_dsn, monkeypatch):
    windows = [w for w in _seed_windows(mirror) if w[0] == "baohaugiang"]
    _crawl_parse_extract(windows, warehouse_dsn, settings)
    import extraction

    monkeypatch.setattr(extraction, "EXTRACTOR_VERSION", "test-next-version")
    again = pipeline.extract(warehouse_dsn)
    assert again["articles"] >= 1
    with psycopg.connect(warehouse_dsn) as conn:
        versions = {r[0] for r in conn.execute("select distinct extractor_version from staging.indicator_mentions")}
    assert versions == {"test-next-version"}


def test_parsing_stored_pages_needs_no_running_mirror(mirror, settings, warehouse_dsn):
    windows = [w for w in _seed_windows(mirror) if w[0] == "baohaugiang"]
    report = pipeline.crawl(*windows[0], warehouse_dsn, settings=settings)
    settings.mirror_sites_file.unlink()
    with pytest.raises(RuntimeError, match="mirror is not running"):
        pipeline.crawl(*windows[0], warehouse_dsn, settings=settings)
    parsed = pipeline.parse(report["page_ids"], warehouse_dsn, settings=settings)
    assert parsed.get("new", 0) == len(report["page_ids"]) > 0


def test_a_lost_window_is_remembered_and_read_whole_by_the_next_crawl(mirror, settings, warehouse_dsn):
    """A portal whose listings failed lost its articles for good: no later run went back for them."""
    from portal_mirror import FaultPlan

    portal_id, start, end = _seed_windows(mirror)[0]
    mirror.set_faults(FaultPlan(down_sites=frozenset({portal_id})))
    try:
        with pytest.raises(pipeline.PortalUnavailable):
            pipeline.crawl(portal_id, start, end, warehouse_dsn, run_id="night1", settings=settings)
    finally:
        mirror.set_faults(FaultPlan())
    with psycopg.connect(warehouse_dsn) as conn:
        gaps = conn.execute("select window_start, window_end, closed_at from raw.crawl_gaps"
                            " where portal_id = %s", (portal_id,)).fetchall()
    assert [(g[0], g[1]) for g in gaps] == [(start, end)] and gaps[0][2] is None

    later = (start + timedelta(days=3000), start + timedelta(days=3001))  # the next night's own window
    summary = pipeline.crawl(portal_id, *later, warehouse_dsn, run_id="night2", settings=settings)
    assert summary["gaps_retried"] == 1 and summary["gaps_closed"] == 1
    assert summary["page_ids"], "the articles of the lost window were fetched this time"
    with psycopg.connect(warehouse_dsn) as conn:
        assert conn.execute("select count(*) from raw.crawl_gaps where portal_id = %s and closed_at is null",
                            (portal_id,)).fetchone()[0] == 0


def test_a_crawl_that_lost_pages_parses_what_it_read_then_fails(mirror, settings, warehouse_dsn):
    portal_id, start, end = _seed_windows(mirror)[0]
    summary = pipeline.crawl(portal_id, start, end, warehouse_dsn, run_id="r", settings=settings)
    summary["degraded"] = "2 of 9 articles could not be fetched"
    with pytest.raises(pipeline.PortalDegraded, match="lost pages"):
        pipeline.parse_crawled(summary, warehouse_dsn, settings=settings)
    with psycopg.connect(warehouse_dsn) as conn:
        assert conn.execute("select count(*) from staging.articles where page_id = any(%s)",
                            (summary["page_ids"],)).fetchone()[0] == len(summary["page_ids"])
