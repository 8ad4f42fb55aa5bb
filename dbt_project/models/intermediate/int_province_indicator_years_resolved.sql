{#- One value per reported province, indicator, reference year and target flag, when several
    figures compete. Preference, in order:
      1. a year the text stated (explicit) over one the extractor inferred, over one taken from the
         publication date;
      2. an exact figure over an approximate or bounded one (khoảng, hơn, trên, gần...);
      3. an original article over a republished copy (one that names another outlet as its source);
      4. the latest publication (later reports revise earlier ones);
      5. the smallest mention id, so that the choice is deterministic.
    Keeps how many figures and articles there were, how many articles agreed with the chosen
    value, and the spread of the values.
    Incremental: a run recomputes only the groups that gained a figure since the last run, or that
    hold a figure of an article re-read since or whose figures were deleted since (mention_removals);
    a post-hook drops groups whose chosen figure is gone or now belongs elsewhere (groups left empty). -#}
{{
    config(
        materialized='incremental',
        unique_key='province_indicator_year_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        meta={'test_batch_column': 'resolved_at'},
        indexes=[
            {'columns': ['province_indicator_year_id'], 'unique': true},
            {'columns': ['resolved_at']},
            {'columns': ['article_ids'], 'type': 'gin'},
        ],
        pre_hook="{{ remember_watermark('resolved_at') }}",
        post_hook="{{ delete_stale_resolved_groups() }}",
    )
}}

-- depends_on: {{ ref('stg_staging__mention_removals') }}

with

{% if is_incremental() %}
watermark as (
    select coalesce(max(resolved_at), '-infinity'::timestamptz) as since from {{ this }}
),

changed_articles as (
    {{ resolved_articles_changed_since(
        '(select since from watermark)',
        "(select since from watermark) - interval '" ~ var('incremental_lookback') ~ "'") }}
),

affected_groups as (
    select province_key, indicator_code, reference_year, is_target
    from {{ ref('int_indicator_mentions_conformed') }}
    where conformed_at > (select since from watermark)
        and province_key is not null
        and reference_year is not null
    union
    select held.province_key, held.indicator_code, held.reference_year, held.is_target
    from changed_articles
    cross join lateral (
        {#- one GIN lookup per article: an && against a long array is quadratic in GIN -#}
        select province_key, indicator_code, reference_year, is_target
        from {{ this }} as resolved
        where resolved.article_ids @> array[changed_articles.article_id]
    ) as held
),
{% endif %}

{#- Only what the ranking and the summary read: a narrow sort, and each group's figures found
    through the group index (a lateral lookup per group, not a merge over the whole table). The
    group columns come from affected_groups, whose order the lookups keep, so that the ranking sorts
    within each group only. -#}
{%- set group = 'affected_groups' if is_incremental() else 'figures' %}
candidates as (
    select
        {{ group }}.province_key,
        {{ group }}.indicator_code,
        {{ group }}.reference_year,
        {{ group }}.is_target,
        figures.mention_id,
        figures.article_id,
        figures.value,
        case figures.year_source
            when 'explicit' then 1 when 'inferred' then 2 when 'published_date' then 3 else 4
        end as year_source_rank,
        case figures.qualifier when 'exact' then 1 else 2 end as qualifier_rank,
        figures.is_republished,
        figures.published_date,
        figures.published_at
    {% if is_incremental() %}
    from affected_groups
    cross join lateral (
        select *
        from {{ ref('int_indicator_mentions_conformed') }} as conformed
        where conformed.province_key = affected_groups.province_key
            and conformed.indicator_code = affected_groups.indicator_code
            and conformed.reference_year = affected_groups.reference_year
            and conformed.is_target = affected_groups.is_target
            and conformed.is_catalogued
        offset 0  {#- keeps one lookup per group: flattened, the planner merges the whole table -#}
    ) as figures
    {% else %}
    from {{ ref('int_indicator_mentions_conformed') }} as figures
    where figures.is_catalogued
        and figures.province_key is not null
        and figures.reference_year is not null
    {% endif %}
),

ranked as (
    select
        *,
        row_number() over preference as preference_rank,
        first_value(value) over preference as chosen_value
    from candidates
    window preference as (
        partition by province_key, indicator_code, reference_year, is_target
        order by
            year_source_rank,
            qualifier_rank,
            is_republished,
            published_date desc nulls last,
            published_at desc nulls last,
            mention_id
    )
),

{#- One pass per group: the chosen figure and the summary; the chosen figure's other attributes
    are read once per group below. -#}
resolved as (
    select
        province_key,
        indicator_code,
        reference_year,
        is_target,
        min(mention_id) filter (where preference_rank = 1) as chosen_mention_id,
        count(*) as mention_count,
        count(distinct article_id) as article_count,
        count(distinct article_id) filter (where value = chosen_value) as agreeing_article_count,
        count(distinct value) as distinct_value_count,
        min(value) as value_min,
        max(value) as value_max,
        array_agg(distinct article_id order by article_id) as article_ids
    from ranked
    group by province_key, indicator_code, reference_year, is_target
)

select
    md5(concat_ws('|', resolved.province_key, resolved.indicator_code, resolved.reference_year,
        resolved.is_target)) as province_indicator_year_id,
    resolved.province_key,
    resolved.indicator_code,
    chosen.domain,
    chosen.online_service_regime,
    resolved.reference_year,
    resolved.is_target,
    chosen.value,
    chosen.denominator,
    chosen.unit,
    chosen.qualifier,
    chosen.year_source,
    resolved.chosen_mention_id,
    chosen.article_id as chosen_article_id,
    chosen.source_url,
    chosen.published_date,
    chosen.is_republished,
    chosen.evidence,
    resolved.mention_count,
    resolved.article_count,
    resolved.agreeing_article_count,
    resolved.distinct_value_count,
    resolved.value_min,
    resolved.value_max,
    resolved.value_max - resolved.value_min as value_spread,
    round(100 * (resolved.value_max - resolved.value_min) / nullif(abs(chosen.value), 0), 2)
        as value_spread_pct,
    resolved.article_ids,
    now() as resolved_at
from resolved
cross join lateral (
    {#- one index lookup per group; as a join the planner may hash the whole table for a few groups -#}
    select *
    from {{ ref('int_indicator_mentions_conformed') }} as conformed
    where conformed.mention_id = resolved.chosen_mention_id
    limit 1
) as chosen
