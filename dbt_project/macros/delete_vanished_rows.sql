{#- Post-hook of incremental models: remove rows whose key no longer exists upstream. Rows vanish
    when an article's figures are deleted (re-extraction, a folded copy), which the trigger on
    staging.indicator_mentions records in mention_removals; so the anti-join looks only at the
    articles named there since the model's previous watermark, not at the whole table. Models
    without an article column (article_column=none) check every row. -#}
{% macro delete_vanished_rows(upstream, key='mention_id', article_column='article_id') %}
    {% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (select 1 from {{ upstream }} as u where u.{{ key }} = t.{{ key }})
    {%- if article_column %}
        and t.{{ article_column }} = any(array({{ articles_with_removed_mentions() }}))
    {%- endif %}
    {% else %}
    select 1
    {% endif %}
{% endmacro %}
