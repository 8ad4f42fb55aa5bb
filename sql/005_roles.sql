-- bi_reader reads the marts and nothing else. Its password is set from BI_READER_PASSWORD by the
-- migration step, never stored here.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'bi_reader') then
        create role bi_reader nologin;
    end if;
end
$$;
revoke all on schema raw, staging from bi_reader;
revoke all on all tables in schema raw, staging from bi_reader;
grant usage on schema marts to bi_reader;
grant select on all tables in schema marts to bi_reader;
alter default privileges in schema marts grant select on tables to bi_reader;
