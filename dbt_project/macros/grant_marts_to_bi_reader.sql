{#- Belt and braces next to the migrations' default privileges: bi_reader may read every table in
    marts. Does nothing when the role does not exist (a database without the migrations). -#}
{% macro grant_marts_to_bi_reader() %}
    {% if execute %}
    do $$
    begin
        if exists (select 1 from pg_roles where rolname = 'bi_reader')
           and exists (select 1 from pg_namespace where nspname = 'marts') then
            grant usage on schema marts to bi_reader;
            grant select on all tables in schema marts to bi_reader;
        end if;
    end
    $$;
    {% endif %}
{% endmacro %}
