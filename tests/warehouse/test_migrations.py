"""The DDL of sql/ is the pipeline's: nothing there exists only for dbt, and a warehouse migrated
before dbt's bookkeeping was dropped loses it on its next migration."""
import re
import shutil

import psycopg
import pytest

from warehouse.migrate import apply_migrations, migration_files

pytestmark = pytest.mark.integration

# What sql/006 and sql/007 created before the dbt models became plain tables.
OLD_006_007 = """
create table if not exists staging.mention_removals (
    article_id  text        primary key,
    removed_at  timestamptz not null default now()
);
create or replace function staging.record_mention_removal() returns trigger
language plpgsql as $$
begin
    insert into staging.mention_removals (article_id) values (old.article_id)
    on conflict (article_id) do update set removed_at = excluded.removed_at;
    return null;
end
$$;
create trigger indicator_mentions_record_removal
    after delete on staging.indicator_mentions
    for each row execute function staging.record_mention_removal();
create index if not exists articles_updated_idx on staging.articles (updated_at);
"""


def test_no_trigger_in_the_migrations(test_settings):
    for path in migration_files(test_settings.sql_dir):
        assert not re.search(r"create\s+(or\s+replace\s+)?trigger", path.read_text(encoding="utf-8"), re.I), path.name


def test_an_old_warehouse_loses_the_removal_trigger(fresh_database, test_settings, open_tmp):
    # the warehouse as it was: migrations up to 009, with the old 006 and 007 applied
    old_dir = open_tmp / "sql"
    old_dir.mkdir()
    for path in migration_files(test_settings.sql_dir):
        if path.name < "010":
            shutil.copy(path, old_dir / path.name)
    (old_dir / "006_staging_mention_removals.sql").write_text(OLD_006_007, encoding="utf-8")
    dsn = fresh_database(migrate=False)
    apply_migrations(dsn, old_dir)
    with psycopg.connect(dsn) as conn:  # and dbt had built its view of the removal log
        conn.execute("create schema if not exists dbt_staging")
        conn.execute("create view dbt_staging.stg_staging__mention_removals as select * from staging.mention_removals")

    applied = apply_migrations(dsn, test_settings.sql_dir)
    assert [name for name in applied if name >= "010"] == ["010_drop_dbt_only_ddl.sql"]
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select count(*) from pg_trigger where not tgisinternal").fetchone() == (0,)
        assert conn.execute("select to_regclass('staging.mention_removals'),"
                            " to_regclass('staging.articles_updated_idx')").fetchone() == (None, None)
        # deleting figures still works without the trigger's function
        conn.execute("delete from staging.indicator_mentions")
