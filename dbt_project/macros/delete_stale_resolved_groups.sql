{#- Post-hook of int_province_indicator_years_resolved: drop groups whose chosen figure no longer
    exists in that group (its mention vanished, or its article now gives another province or year),
    which happens when a group lost all its figures. Such a group holds an article changed since the
    previous watermark, so only those groups are looked at. -#}
{% macro delete_stale_resolved_groups() %}
    {% if is_incremental() %}
    delete from {{ this }} as resolved
    {# an array, so that the few candidate groups are found first and the anti-join below runs on
       them only; as a subquery the planner may anti-join the whole history first #}
    where resolved.province_indicator_year_id = any(array(
            select held.province_indicator_year_id
            from ({{ resolved_articles_changed_since('(select since from previous_watermark)') }}) as changed
            cross join lateral (
                select province_indicator_year_id
                from {{ this }} as holder
                where holder.article_ids @> array[changed.article_id]
            ) as held
        ))
        and not exists (
            select 1
            from {{ ref('int_indicator_mentions_conformed') }} as conformed
            where conformed.mention_id = resolved.chosen_mention_id
                and conformed.is_catalogued
                and conformed.province_key = resolved.province_key
                and conformed.indicator_code = resolved.indicator_code
                and conformed.reference_year = resolved.reference_year
                and conformed.is_target = resolved.is_target
        )
    {% else %}
    select 1
    {% endif %}
{% endmacro %}
