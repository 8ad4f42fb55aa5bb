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
    hold a figure of an article re-read or removed since; a post-hook drops groups whose chosen
    figure is gone or now belongs elsewhere (groups left empty). -#}
{{
    config(
        materialized='incremental',
        unique_key='province_indicator_year_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['province_indicator_year_id'], 'unique': true},
            {'columns': ['resolved_at']},
            {'columns': ['article_ids'], 'type': 'gin'},
        ],
        post_hook="{{ delete_stale_resolved_groups() }}",
    )
}}

with

figures as (
    select *
    from {{ ref('int_indicator_mentions_conformed') }}
    where is_catalogued
        and province_key is not null
        and reference_year is not null
),

{% if is_incremental() %}
watermark as (
    select coalesce(max(resolved_at), '-infinity'::timestamptz) as since from {{ this }}
),

changed_articles as (
    select distinct article_id
    from {{ ref('int_indicator_mentions_conformed') }}
    where conformed_at > (select since from watermark)
),

affected_groups as (
    select distinct province_key, indicator_code, reference_year, is_target
    from figures
    where conformed_at > (select since from watermark)
    union
    select province_key, indicator_code, reference_year, is_target
    from {{ this }}
    where article_ids && array(select article_id from changed_articles)
    union
    select resolved.province_key, resolved.indicator_code, resolved.reference_year, resolved.is_target
    from {{ this }} as resolved
    cross join lateral unnest(resolved.article_ids) as member(article_id)
    where not exists (
        select 1 from {{ ref('int_indicator_mentions_conformed') }} as conformed
        where conformed.article_id = member.article_id
    )
),
{% endif %}

candidates as (
    select
        figures.*,
        case year_source
            when 'explicit' then 1 when 'inferred' then 2 when 'published_date' then 3 else 4
        end as year_source_rank,
        case qualifier when 'exact' then 1 else 2 end as qualifier_rank
    from figures
    {% if is_incremental() %}
    inner join affected_groups
        on affected_groups.province_key = figures.province_key
        and affected_groups.indicator_code = figures.indicator_code
        and affected_groups.reference_year = figures.reference_year
        and affected_groups.is_target = figures.is_target
    {% endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by province_key, indicator_code, reference_year, is_target
            order by
                year_source_rank,
                qualifier_rank,
                is_republished,
                published_date desc nulls last,
                published_at desc nulls last,
                mention_id
        ) as preference_rank
    from candidates
),

chosen as (
    select * from ranked where preference_rank = 1
),

summary as (
    select
        ranked.province_key,
        ranked.indicator_code,
        ranked.reference_year,
        ranked.is_target,
        count(*) as mention_count,
        count(distinct ranked.article_id) as article_count,
        count(distinct ranked.article_id) filter (where ranked.value = chosen.value) as agreeing_article_count,
        count(distinct ranked.value) as distinct_value_count,
        min(ranked.value) as value_min,
        max(ranked.value) as value_max,
        array_agg(distinct ranked.article_id order by ranked.article_id) as article_ids
    from ranked
    inner join chosen
        on chosen.province_key = ranked.province_key
        and chosen.indicator_code = ranked.indicator_code
        and chosen.reference_year = ranked.reference_year
        and chosen.is_target = ranked.is_target
    group by 1, 2, 3, 4
)

select
    md5(concat_ws('|', chosen.province_key, chosen.indicator_code, chosen.reference_year,
                  chosen.is_target)) as province_indicator_year_id,
    chosen.province_key,
    chosen.indicator_code,
    chosen.domain,
    chosen.online_service_regime,
    chosen.reference_year,
    chosen.is_target,
    chosen.value,
    chosen.denominator,
    chosen.unit,
    chosen.qualifier,
    chosen.year_source,
    chosen.mention_id as chosen_mention_id,
    chosen.article_id as chosen_article_id,
    chosen.source_url,
    chosen.published_date,
    chosen.is_republished,
    chosen.evidence,
    summary.mention_count,
    summary.article_count,
    summary.agreeing_article_count,
    summary.distinct_value_count,
    summary.value_min,
    summary.value_max,
    summary.value_max - summary.value_min as value_spread,
    round(100 * (summary.value_max - summary.value_min) / nullif(abs(chosen.value), 0), 2)
        as value_spread_pct,
    summary.article_ids,
    now() as resolved_at
from chosen
inner join summary
    on summary.province_key = chosen.province_key
    and summary.indicator_code = chosen.indicator_code
    and summary.reference_year = chosen.reference_year
    and summary.is_target = chosen.is_target
