{#- The body of the per-domain fact tables: conformed figures of one domain with their province as
    reported and as it is now. -#}
{% macro indicator_fact_rows(domain, extra_columns=[]) %}
with

figures as (
    select *
    from {{ ref('int_indicator_mentions_conformed') }}
    where domain = '{{ domain }}'
),

provinces as (
    select * from {{ ref('dim_province') }}
)

select
    figures.mention_id,
    figures.article_id,
    figures.portal_id,
    figures.province_key,
    coalesce(provinces.province_name, figures.province_name_reported) as province_name,
    figures.province_name_reported,
    provinces.province_code,
    provinces.era as province_era,
    provinces.current_province_key,
    provinces.current_province_name as province_name_current,
    provinces.current_province_code,
    figures.indicator_code,
    figures.reference_year,
    figures.year_source,
    figures.value,
    figures.denominator,
    figures.unit,
    figures.qualifier,
    figures.is_target,
    {%- for column in extra_columns %}
    figures.{{ column }},
    {%- endfor %}
    figures.published_date,
    figures.source_url,
    figures.is_republished,
    figures.evidence,
    figures.extractor_version,
    figures.conformed_at
from figures
left join provinces on provinces.province_key = figures.province_key
{% endmacro %}
