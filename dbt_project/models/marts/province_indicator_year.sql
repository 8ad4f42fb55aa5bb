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
            {'columns': ['current_province_key', 'indicator_code', 'reference_year']},
        ],
        post_hook="{{ delete_vanished_rows(ref('int_province_indicator_years_resolved'), key='province_indicator_year_id', article_column=none) }}",
    )
}}

select
    resolved.province_indicator_year_id,
    resolved.province_key,
    provinces.province_name,
    provinces.province_code,
    provinces.era as province_era,
    provinces.current_province_key,
    provinces.current_province_name as province_name_current,
    provinces.current_province_code,
    resolved.indicator_code,
    resolved.domain,
    indicators.name_en as indicator_name_en,
    indicators.name_vi as indicator_name_vi,
    resolved.online_service_regime,
    resolved.reference_year,
    resolved.is_target,
    resolved.value,
    resolved.denominator,
    resolved.unit,
    resolved.qualifier,
    resolved.year_source,
    resolved.mention_count,
    resolved.article_count,
    resolved.agreeing_article_count,
    resolved.distinct_value_count,
    resolved.value_min,
    resolved.value_max,
    resolved.value_spread,
    resolved.value_spread_pct,
    resolved.chosen_mention_id,
    resolved.chosen_article_id,
    resolved.published_date,
    resolved.source_url,
    resolved.is_republished,
    resolved.evidence,
    resolved.resolved_at
from {{ ref('int_province_indicator_years_resolved') }} as resolved
inner join {{ ref('dim_province') }} as provinces
    on provinces.province_key = resolved.province_key
inner join {{ ref('dim_indicator') }} as indicators
    on indicators.indicator_code = resolved.indicator_code
{% if is_incremental() %}
where resolved.resolved_at > (
    select coalesce(max(resolved_at), '-infinity'::timestamptz) from {{ this }}
)
{% endif %}
