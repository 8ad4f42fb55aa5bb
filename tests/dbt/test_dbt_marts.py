"""dbt on a real Postgres: a few articles from Hà Giang, Tuyên Quang, Hậu Giang and Cần Thơ go through
`dbt build`; the marts must map old provinces to new ones, resolve conflicts by the documented rule,
keep the extractor's years and follow re-extraction on the next build.

One database and one `dbt build` are shared by the module; the scenarios that change staging run last.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from vnict.dbt_tasks import run_dbt

pytestmark = pytest.mark.integration

ARTICLES = [
    # article_id, portal, province as reported, published, republished from
    ("hg1", "hagiang", "Hà Giang", date(2024, 1, 10), None),
    ("hg2", "hagiang", "tỉnh HÀ GIANG", date(2024, 2, 20), None),
    ("hg3", "baotuyenquang", "Hà Giang", date(2024, 3, 1), "hagiang.gov.vn"),
    ("tq1", "tuyenquang", "Tuyên Quang", date(2024, 1, 12), None),
    ("tq2", "tuyenquang", "Tuyên Quang", date(2025, 9, 1), None),
    ("hau1", "haugiang", "Hậu Giang", date(2021, 1, 13), None),
    ("ct1", "cantho", "Thành phố Cần Thơ", date(2024, 5, 5), None),
]

MENTIONS = [
    # mention_id, article, indicator, value, denominator, unit, qualifier, target, year, year_source
    ("hg1-bts", "hg1", "bts_stations", 1700, None, "count", "approx", False, 2023, "explicit"),
    # no year next to the figure: the extractor dates a January review to the year before
    ("hg1-fiber", "hg1", "households_fiber_pct", Decimal("105.48"), None, "percent", "exact", False, 2023, "inferred"),
    ("hg2-bts", "hg2", "bts_stations", 1712, None, "count", "exact", False, 2023, "explicit"),
    ("hg3-bts", "hg3", "bts_stations", 1712, None, "count", "exact", False, 2023, "explicit"),
    ("tq1-bts", "tq1", "bts_stations", 2100, None, "count", "exact", False, 2023, "explicit"),
    ("tq1-l4", "tq1", "online_services_level4", 350, None, "count", "exact", False, 2023, "explicit"),
    ("tq2-full", "tq2", "online_services_full", 1200, None, "count", "exact", False, 2025, "explicit"),
    ("hau1-bts", "hau1", "bts_stations", 939, None, "count", "exact", False, 2020, "explicit"),
    ("hau1-bts-2019", "hau1", "bts_stations", 906, None, "count", "exact", False, 2019, "explicit"),
    ("hau1-online", "hau1", "online_application_rate_pct", 60, None, "percent", "at_least", True, 2021, "inferred"),
    # nothing dates it: no year, so no chosen value either
    ("hau1-undated", "hau1", "official_email_accounts", 1200, None, "count", "exact", False, None, "none"),
    ("hau1-csdl", "hau1", "national_databases_connected", 18, 22, "count", "exact", False, 2020, "explicit"),
    ("ct1-bts", "ct1", "bts_stations", 1500, None, "count", "exact", False, 2023, "explicit"),
    # Implausible, as real reports sometimes are: more databases than exist, a year after publication.
    ("tq1-csdl", "tq1", "national_databases_connected", 25, 22, "count", "exact", False, 2023, "explicit"),
    ("hg2-future", "hg2", "bts_stations", 1800, None, "count", "exact", False, 2030, "explicit"),
]

FACT_TABLES = ("marts.fct_infrastructure_indicators", "marts.fct_egov_indicators")


def insert_articles(conn, rows):
    for article_id, portal, province, published, outlet in rows:
        conn.execute(
            "insert into staging.articles (article_id, portal_id, province_name, url, canonical_url, title,"
            " published_at, published_date, body_text, source_outlet, body_sha256, parser_version)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, 'body', %s, 'sha', 'test')",
            (article_id, portal, province, f"http://{portal}.test/{article_id}", f"http://{portal}.test/{article_id}",
             f"article {article_id}", datetime(published.year, published.month, published.day, 8, tzinfo=timezone.utc),
             published, outlet))


def insert_mentions(conn, rows, version="test-1"):
    for mention_id, article_id, code, value, denominator, unit, qualifier, target, year, year_source in rows:
        conn.execute(
            "insert into staging.indicator_mentions (mention_id, article_id, indicator_code, value, denominator,"
            " unit, qualifier, is_target, reference_year, year_source, evidence, char_start, char_end,"
            " extractor_version) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 10, %s)",
            (mention_id, article_id, code, value, denominator, unit, qualifier, target, year, year_source,
             f"evidence of {mention_id}", version))


def query(dsn, sql, params=None):
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def dbt_paths(tmp_path_factory):
    """dbt's target and log folders for this module, so parallel runs never share them."""
    base = tmp_path_factory.mktemp("dbt")
    return ["--target-path", str(base / "target"), "--log-path", str(base / "logs")]


@pytest.fixture(scope="module")
def warehouse(pg_cluster, test_settings, dbt_paths):
    """A fresh migrated database with the sample articles, after one full `dbt build`."""
    from warehouse.migrate import apply_migrations

    name = f"vnict_dbt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    dsn = pg_cluster.dsn(name)
    try:
        apply_migrations(dsn, test_settings.sql_dir)
        with psycopg.connect(dsn, autocommit=True) as conn:
            insert_articles(conn, ARTICLES)
            insert_mentions(conn, MENTIONS)
        run_dbt(dsn, ["build", *dbt_paths])
        yield dsn
    finally:
        with psycopg.connect(pg_cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def test_build_passes_and_warns_on_implausible_figures(warehouse, dbt_paths):
    results = json.loads((Path(dbt_paths[1]) / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"].split(".")[2]: (r["status"], r["failures"]) for r in results}
    assert not [name for name, (status, _) in statuses.items() if status in ("fail", "error")]
    warned = {name.split("_fct_")[0]: failures for name, (status, failures) in statuses.items()
              if status == "warn" and "_fct_" in name}
    # 105,48 % of households on fibre, 25/22 databases connected, a 2030 figure in a 2024 article.
    assert warned == {"percent_in_range": 1, "value_not_above_denominator": 1, "reference_year_plausible": 1}


def test_dim_province_has_both_eras_without_key_collisions(warehouse):
    counts = dict(query(warehouse, "select era, count(*) from marts.dim_province group by era"))
    assert counts == {"legacy": 63, "current": 34}
    # Code 24 was Bắc Giang; since the merger it names the larger Bắc Ninh.
    rows = dict(query(warehouse, "select province_key, province_name from marts.dim_province"
                                 " where province_code = '24'"))
    assert rows == {"legacy-24": "Bắc Giang", "current-24": "Bắc Ninh"}
    mapping = dict(query(warehouse, "select province_name, current_province_name from marts.dim_province"
                                    " where era = 'legacy' and province_name in ('Hà Giang', 'Hậu Giang', 'Tiền Giang')"))
    assert mapping == {"Hà Giang": "Tuyên Quang", "Hậu Giang": "Cần Thơ", "Tiền Giang": "Đồng Tháp"}


def test_facts_keep_reported_province_and_carry_current_one(warehouse):
    rows = query(warehouse, "select province_name, province_name_current, count(*) from ("
                            " select province_name, province_name_current from marts.fct_infrastructure_indicators"
                            " union all select province_name, province_name_current from marts.fct_egov_indicators) f"
                            " group by 1, 2 order by 1, 2")
    assert rows == [("Cần Thơ", "Cần Thơ", 1), ("Hà Giang", "Tuyên Quang", 5),
                    ("Hậu Giang", "Cần Thơ", 5), ("Tuyên Quang", "Tuyên Quang", 4)]
    total = sum(query(warehouse, f"select count(*) from {t}")[0][0] for t in FACT_TABLES)
    assert total == len(MENTIONS)


def test_province_indicator_years_chart_merged_provinces(warehouse):
    tuyen_quang = query(warehouse, "select province_key, province_name from marts.fct_province_indicator_years"
                                   " where province_name_current = 'Tuyên Quang' group by 1, 2 order by 1")
    assert tuyen_quang == [("current-08", "Tuyên Quang"), ("legacy-02", "Hà Giang"), ("legacy-08", "Tuyên Quang")]
    can_tho = query(warehouse, "select distinct province_name from marts.fct_province_indicator_years"
                               " where province_name_current = 'Cần Thơ' order by 1")
    assert can_tho == [("Cần Thơ",), ("Hậu Giang",)]


def test_conflict_resolution_prefers_exact_original_figure(warehouse):
    row = query(warehouse, "select value, qualifier, chosen_article_id, mention_count, article_count,"
                           " agreeing_article_count, value_spread from marts.fct_province_indicator_years"
                           " where province_key = 'legacy-02' and indicator_code = 'bts_stations'"
                           " and reference_year = 2023 and not is_target")
    # 1.700 (approx) loses to 1.712 (exact); of the two exact ones the original beats the later copy.
    assert row == [(Decimal("1712"), "exact", "hg2", 3, 3, 2, Decimal("12"))]


def test_years_are_the_extractors(warehouse):
    rows = dict(query(warehouse, "select mention_id, reference_year from marts.fct_infrastructure_indicators"
                                 " where year_source <> 'explicit' union all"
                                 " select mention_id, reference_year from marts.fct_egov_indicators"
                                 " where year_source <> 'explicit'"))
    assert rows == {"hg1-fiber": 2023, "hau1-online": 2021, "hau1-undated": None}
    assert query(warehouse, "select count(*) from marts.fct_province_indicator_years"
                            " where indicator_code = 'official_email_accounts'") == [(0,)]


def test_online_services_keep_their_regime(warehouse):
    rows = dict(query(warehouse, "select indicator_code, online_service_regime from marts.fct_egov_indicators"
                                 " where indicator_code like 'online_services%'"))
    assert rows == {"online_services_level4": "levels_3_4", "online_services_full": "decree_42_2022"}


def test_bi_reader_reads_marts_only(warehouse):
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("set role bi_reader")
        assert conn.execute("select count(*) from marts.fct_province_indicator_years").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from staging.indicator_mentions")


def test_next_build_follows_reextraction(warehouse, dbt_paths):
    # A new extractor version re-reads hg1 (its mentions replaced), a new article arrives, the
    # Cần Thơ article is deleted, and a re-parse finds that tq1 was about Hà Giang after all.
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("update staging.articles set province_name = 'Hà Giang', updated_at = now()"
                     " where article_id = 'tq1'")
        conn.execute("delete from staging.indicator_mentions where article_id = 'hg1'")
        insert_mentions(conn, [("hg1-bts-v2", "hg1", "bts_stations", 1720, None, "count", "exact", False, 2023,
                                "explicit")], version="test-2")
        insert_articles(conn, [("hg4", "hagiang", "Hà Giang", date(2024, 6, 1), None)])
        insert_mentions(conn, [("hg4-bts", "hg4", "bts_stations", 1800, None, "count", "exact", False, 2024,
                                "explicit")])
        conn.execute("delete from staging.articles where article_id = 'ct1'")
    run_dbt(warehouse, ["build", *dbt_paths])

    ids = {r[0] for t in FACT_TABLES for r in query(warehouse, f"select mention_id from {t}")}
    assert {"hg1-bts-v2", "hg4-bts"} <= ids
    assert not ids & {"hg1-bts", "hg1-fiber", "ct1-bts"}
    assert len(ids) == len(MENTIONS) - 3 + 2
    group = query(warehouse, "select value, chosen_article_id, mention_count, value_spread"
                             " from marts.fct_province_indicator_years where province_key = 'legacy-02'"
                             " and indicator_code = 'bts_stations' and reference_year = 2023")
    assert group == [(Decimal("1712"), "hg2", 4, Decimal("388"))]
    # Groups left without figures are gone: hg1's fibre share, Cần Thơ, Tuyên Quang's BTS count.
    left = query(warehouse, "select province_key, indicator_code from marts.fct_province_indicator_years"
                            " where indicator_code = 'households_fiber_pct' or province_key in ('legacy-92', 'legacy-08')")
    assert left == []


def test_article_read_again_with_no_figures_leaves_the_marts(warehouse, dbt_paths):
    """The extractor re-reads dt1 and finds nothing: the next build drops its facts and groups."""
    from warehouse.mentions import MentionStore

    with psycopg.connect(warehouse, autocommit=True) as conn:
        insert_articles(conn, [("dt1", "dongthap", "Đồng Tháp", date(2024, 7, 1), None)])
        insert_mentions(conn, [("dt1-bts", "dt1", "bts_stations", 2000, None, "count", "exact", False, 2024,
                                "explicit")])
    run_dbt(warehouse, ["build", *dbt_paths])
    assert query(warehouse, "select count(*) from marts.fct_province_indicator_years"
                            " where chosen_article_id = 'dt1'") == [(1,)]

    with psycopg.connect(warehouse) as conn:
        MentionStore(conn).replace("dt1", [], "test-3")
    run_dbt(warehouse, ["build", *dbt_paths])
    facts = [r for t in FACT_TABLES for r in query(warehouse, f"select mention_id from {t} where article_id = 'dt1'")]
    assert facts == []
    assert query(warehouse, "select count(*) from marts.fct_province_indicator_years"
                            " where chosen_article_id = 'dt1'") == [(0,)]


def test_coverage_test_reports_a_fact_lost_from_the_marts(warehouse, dbt_paths):
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("delete from marts.fct_infrastructure_indicators where mention_id = 'hau1-bts'")
    with pytest.raises(RuntimeError):
        run_dbt(warehouse, ["test", *dbt_paths, "--select", "assert_facts_cover_catalogued_mentions",
                            "--store-failures"])
    assert query(warehouse, "select mention_id, problem from dbt_test__audit.assert_facts_cover_catalogued_mentions"
                 ) == [("hau1-bts", "missing from facts")]

    run_dbt(warehouse, ["build", *dbt_paths])
    run_dbt(warehouse, ["test", *dbt_paths, "--select", "assert_facts_cover_catalogued_mentions"])


def test_build_project_counts_every_node_and_names_what_failed(warehouse, test_settings, tmp_path):
    """The DAGs' dbt task: a passing build returns its nodes by status; a failing node fails it with
    the node's name, and the results say which node failed and why."""
    import dataclasses

    from vnict.dbt_tasks import DbtBuildFailed, build_project

    settings = dataclasses.replace(test_settings, state_dir=tmp_path)
    results = build_project(warehouse, settings)
    assert results["failures"] == []
    assert results["by_type"]["model"] >= 8 and results["by_type"]["test"] >= 30
    assert set(results["by_status"]) <= {"success", "pass", "no-op", "warn"}
    assert len(results["warnings"]) == results["by_status"].get("warn", 0)
    assert results["nodes"] == sum(results["by_status"].values())

    # a column the staging model reads is gone (schema drift): its view fails, what is built on it is skipped
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("alter table staging.articles rename column source_outlet to source_outlet_gone")
    try:
        with pytest.raises(DbtBuildFailed) as failed:
            build_project(warehouse, settings)
        failures = failed.value.results["failures"]
        assert [f["node"] for f in failures] == ["stg_staging__articles"]
        assert failures[0]["status"] == "error" and "source_outlet" in failures[0]["message"]
        assert "stg_staging__articles" in str(failed.value)
        assert failed.value.results["by_status"]["skipped"] >= 10
    finally:
        with psycopg.connect(warehouse, autocommit=True) as conn:
            conn.execute("alter table staging.articles rename column source_outlet_gone to source_outlet")
    assert build_project(warehouse, settings)["failures"] == []


def test_docs_generate_covers_every_model_and_column(warehouse, dbt_paths):
    run_dbt(warehouse, ["docs", "generate", *dbt_paths])
    target = Path(dbt_paths[1])
    catalog = json.loads((target / "catalog.json").read_text())["nodes"]
    models = {uid: node for uid, node in json.loads((target / "manifest.json").read_text())["nodes"].items()
              if node["resource_type"] == "model"}
    assert models and set(models) <= set(catalog)
    assert [uid for uid, node in models.items() if not node["description"].strip()] == []
    undescribed = [f"{uid}.{column}" for uid, node in models.items() for column in catalog[uid]["columns"]
                   if not node["columns"].get(column, {}).get("description", "").strip()]
    assert undescribed == []
