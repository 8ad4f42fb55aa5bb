"""The helpers the DAG tasks use against a real warehouse: what to reprocess, and the run summary."""
from __future__ import annotations

import logging

import pendulum
import psycopg
import pytest

from vnict.orchestration import log_run_summary, mapped_values
from warehouse.runs import article_ids_of_pages, pages_to_reprocess

pytestmark = pytest.mark.integration

TZ = "Asia/Ho_Chi_Minh"


def _page(conn, portal, url, sha, fetched_at, kind="article", status=200) -> int:
    return conn.execute(
        "insert into raw.pages (portal_id, url, final_url, page_kind, status_code, body, content_sha256, fetched_at)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s) returning page_id",
        (portal, url, url, kind, status, b"<html></html>", sha, fetched_at)).fetchone()[0]


def _article(conn, article_id, portal, url, published, page_id, duplicate_urls=()):
    conn.execute(
        "insert into staging.articles (article_id, portal_id, url, canonical_url, published_date, body_text,"
        " body_sha256, page_id, parser_version, duplicate_urls) values (%s,%s,%s,%s,%s,'x','h',%s,'t',%s)",
        (article_id, portal, url, url, published, page_id, list(duplicate_urls)))


@pytest.fixture
def stored(warehouse_dsn):
    """Two portals; article A fetched twice (changed), B and its copy C, D outside the range, a listing."""
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        ids = {
            "a_old": _page(conn, "p1", "http://p1/a", "1", "2025-01-01"),
            "a_new": _page(conn, "p1", "http://p1/a", "2", "2025-02-01"),
            "b": _page(conn, "p1", "http://p1/b", "3", "2025-01-01"),
            "c": _page(conn, "p2", "http://p2/c", "4", "2025-01-01"),
            "d": _page(conn, "p2", "http://p2/d", "5", "2025-03-01"),
            "listing": _page(conn, "p1", "http://p1/", "6", "2025-01-01", kind="listing"),
        }
        _article(conn, "A", "p1", "http://p1/a", "2021-05-01", ids["a_new"])
        _article(conn, "B", "p1", "http://p1/b", "2021-06-01", ids["b"], duplicate_urls=["http://p2/c"])
        _article(conn, "D", "p2", "http://p2/d", "2023-01-01", ids["d"])
    return warehouse_dsn, ids


def test_reprocess_by_publication_date_takes_the_latest_page_of_each_article_and_its_copies(stored):
    dsn, ids = stored
    got = pages_to_reprocess(dsn, pendulum.datetime(2021, 1, 1, tz=TZ), pendulum.datetime(2022, 1, 1, tz=TZ))
    assert got == {"p1": sorted([ids["a_new"], ids["b"]]), "p2": [ids["c"]]}
    only_p2 = pages_to_reprocess(dsn, None, None, portal_id="p2")
    assert only_p2 == {"p2": sorted([ids["c"], ids["d"]])}


def test_reprocess_by_fetch_date(stored):
    dsn, ids = stored
    got = pages_to_reprocess(dsn, pendulum.datetime(2025, 2, 1, tz=TZ), None, by="fetched")
    assert got == {"p1": [ids["a_new"]], "p2": [ids["d"]]}
    with pytest.raises(ValueError, match="published"):
        pages_to_reprocess(dsn, None, None, by="modified")


def test_articles_of_pages_include_the_original_of_a_copy(stored):
    dsn, ids = stored
    assert sorted(article_ids_of_pages(dsn, [ids["c"], ids["a_old"]])) == ["A", "B"]


def test_run_summary_reports_a_failed_portal_from_the_fetch_log(warehouse_dsn, caplog):
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        page = _page(conn, "ok_portal", "http://ok/a", "1", "2025-01-01")
        _article(conn, "A1", "ok_portal", "http://ok/a", "2024-01-01", page)
        conn.execute("insert into staging.indicator_mentions (mention_id, article_id, indicator_code, value, unit,"
                     " qualifier, evidence, char_start, char_end, extractor_version) values"
                     " ('m1', 'A1', 'bts_stations', 5, 'station', 'exact', 'e', 0, 1, 'v')")
        for outcome in ("error", "error", "error"):
            conn.execute("insert into raw.fetch_log (run_id, portal_id, url, outcome) values ('r1', 'down_portal',"
                         " 'http://down/', %s)", (outcome,))
    report = {"portal_id": "ok_portal",
              "crawl": {"pages_fetched": 1, "failures": [["http://ok/x", "timeout"]]},
              "parse": {"new": 1, "updated": 0, "article_ids": ["A1"]}}
    with caplog.at_level(logging.INFO, logger="vnict.orchestration"):
        summary = log_run_summary(["ok_portal", "down_portal"], report, {"figures": 5}, warehouse_dsn, "r1")
    lines = {ln["portal_id"]: ln for ln in summary["portals"]}
    assert lines["ok_portal"]["status"] == "ok" and lines["ok_portal"]["articles_new"] == 1
    assert lines["ok_portal"]["failures"] == 1 and lines["ok_portal"]["figures"] == 1
    assert lines["down_portal"]["status"] == "FAILED" and lines["down_portal"]["failures"] == 3
    assert summary["failed_portals"] == ["down_portal"]
    assert "down_portal" in caplog.text and "FAILED" in caplog.text


def test_mapped_values_unwraps_a_lone_instance():
    assert mapped_values({"portal_id": "x"}) == [{"portal_id": "x"}]
    assert mapped_values(None) == []
    assert mapped_values(iter([1, 2])) == [1, 2]
