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


{#- Articles whose figures were (re-)extracted or which were re-parsed after `since`: the staging
    changes an incremental run of the conformed model has to read. -#}
{% macro articles_staged_since(since) -%}
    select article_id
    from {{ ref('stg_staging__indicator_mentions') }}
    where extracted_at > {{ since }}
    union
    select article_id
    from {{ ref('stg_staging__articles') }}
    where updated_at > {{ since }}
{%- endmacro %}


{#- Articles whose groups int_province_indicator_years_resolved must look at again: re-conformed
    since `conformed_since`, or whose figures were deleted since `removed_since`. Shared by the
    model and its post-hook so that both see the same changes. -#}
{% macro resolved_articles_changed_since(conformed_since, removed_since=none) -%}
    select article_id
    from {{ ref('int_indicator_mentions_conformed') }}
    where conformed_at > {{ conformed_since }}
    union
    {{ articles_with_removed_mentions(removed_since or conformed_since) }}
{%- endmacro %}
