{#- Pre-hook of incremental models: the model's watermark before this run writes (less the
    look-back), kept in a temporary table for the post-hooks of the same transaction, which look for
    vanished rows among the articles changed since then. -#}
{% macro remember_watermark(column) %}
    {% if is_incremental() %}
    create temporary table previous_watermark on commit drop as
    select coalesce(max({{ column }}), '-infinity'::timestamptz)
        - interval '{{ var("incremental_lookback") }}' as since
    from {{ this }}
    {% else %}
    select 1
    {% endif %}
{% endmacro %}


{#- Articles whose figures were deleted since `since` (by default the watermark the pre-hook
    remembered). -#}
{% macro articles_with_removed_mentions(since='(select since from previous_watermark)') -%}
    select article_id
    from {{ ref('stg_staging__mention_removals') }}
    where removed_at > {{ since }}
{%- endmacro %}
