"""bi_reader, the role BI tools use, reads schema marts and nothing else."""
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from warehouse.migrate import apply_migrations

pytestmark = pytest.mark.integration  # needs a real Postgres


@pytest.fixture
def bi_reader_dsn(warehouse_dsn, test_settings):
    apply_migrations(warehouse_dsn, test_settings.sql_dir, bi_reader_password="test-only-secret")
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        # a mart created after the migrations, as dbt creates them: default privileges must cover it
        conn.execute("create table marts.fct_infrastructure_indicators (province_name text, value numeric)")
        conn.execute("insert into marts.fct_infrastructure_indicators values ('Hà Giang', 1700)")
        conn.execute("insert into raw.pages (portal_id, url, final_url, status_code, body, content_sha256)"
                     " values ('p', 'http://x/1', 'http://x/1', 200, 'b', 'h')")
    info = conninfo_to_dict(warehouse_dsn)
    info.update(user="bi_reader", password="test-only-secret")
    return make_conninfo(**info)


def test_bi_reader_reads_marts(bi_reader_dsn):
    with psycopg.connect(bi_reader_dsn) as conn:
        rows = conn.execute("select province_name, value from marts.fct_infrastructure_indicators").fetchall()
    assert rows == [("Hà Giang", 1700)]


@pytest.mark.parametrize("table", ["raw.pages", "raw.fetch_log", "staging.articles", "staging.indicator_mentions"])
def test_bi_reader_cannot_read_raw_or_staging(bi_reader_dsn, table):
    with psycopg.connect(bi_reader_dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select * from {table}")


@pytest.mark.parametrize("statement", [
    "insert into marts.fct_infrastructure_indicators values ('X', 1)",
    "insert into raw.pages (portal_id, url, final_url, status_code, body, content_sha256)"
    " values ('p', 'u', 'u', 200, 'b', 'h2')",
    "create table marts.sneaky (x int)",
    "create table public.sneaky (x int)",
])
def test_bi_reader_cannot_write_anywhere(bi_reader_dsn, statement):
    with psycopg.connect(bi_reader_dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_bi_reader_has_a_statement_timeout_and_a_connection_limit(bi_reader_dsn, warehouse_dsn):
    with psycopg.connect(bi_reader_dsn) as conn:
        assert conn.execute("show statement_timeout").fetchone()[0] == "2min"
    with psycopg.connect(warehouse_dsn) as conn:
        assert conn.execute("select rolconnlimit from pg_roles where rolname = 'bi_reader'").fetchone()[0] == 20
