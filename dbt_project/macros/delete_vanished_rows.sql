{#- Post-hook of incremental models: remove rows whose key no longer exists upstream (mentions
    dropped by a re-extraction, deleted articles). An anti-join on the indexed key, cheap next to
    the run itself. -#}
{% macro delete_vanished_rows(upstream, key='mention_id', this_key=none) %}
    {% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (
        select 1 from {{ upstream }} as u where u.{{ key }} = t.{{ this_key or key }}
    )
    {% else %}
    select 1
    {% endif %}
{% endmacro %}
