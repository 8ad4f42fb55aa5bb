{#- Post-hook of incremental models: remove rows whose key no longer exists upstream (mentions
    dropped by a re-extraction, deleted articles). An anti-join on the indexed key: it reads the
    whole table, but costs about 0.1 s per 100,000 rows, little next to dbt's own work per model. -#}
{% macro delete_vanished_rows(upstream, key='mention_id') %}
    {% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (select 1 from {{ upstream }} as u where u.{{ key }} = t.{{ key }})
    {% else %}
    select 1
    {% endif %}
{% endmacro %}
