{#- One value per reported province, indicator, reference year and target flag, when several
    figures compete. Preference, in order:
      1. a year the text stated (explicit) over one the extractor inferred;
      2. an exact figure over an approximate or bounded one (khoảng, hơn, trên, gần...);
      3. an original article over a republished copy (one that names another outlet as its source);
      4. the latest publication (later reports revise earlier ones);
      5. the smallest mention id, so that the choice is deterministic.
    Keeps how many figures and articles there were, how many articles agreed with the chosen
    value, and the spread of the values. -#}

with

candidates as (
    select
        province_key,
        indicator_code,
        reference_year,
        is_target,
        mention_id,
        article_id,
        value,
        case year_source when 'explicit' then 1 when 'inferred' then 2 else 3 end as year_source_rank,
        case qualifier when 'exact' then 1 else 2 end as qualifier_rank,
        is_republished,
        published_date,
        published_at
    from {{ ref('int_indicator_mentions_conformed') }}
    where is_catalogued
        and province_key is not null
        and reference_year is not null
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
        max(value) as value_max
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
    now() as resolved_at
from resolved
inner join {{ ref('int_indicator_mentions_conformed') }} as chosen
    on chosen.mention_id = resolved.chosen_mention_id
