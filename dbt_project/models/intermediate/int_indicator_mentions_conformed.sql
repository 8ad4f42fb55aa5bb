{#- One row per figure per article, conformed to the indicator catalogue and the province dimension,
    with the reference year inferred where the text gave none.
    Incremental: each run re-reads only the articles that changed since the last one (re-parsed,
    (re-)extracted, or whose catalogue code or province name has since become known), replaces
    all their rows (delete+insert keyed by article), and drops rows whose mention vanished. -#}
{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        meta={'test_batch_column': 'conformed_at'},
        indexes=[
            {'columns': ['mention_id'], 'unique': true},
            {'columns': ['article_id']},
            {'columns': ['conformed_at']},
            {'columns': ['source_changed_at']},
            {'columns': ['is_catalogued']},
            {'columns': ['province_key', 'indicator_code', 'reference_year', 'is_target']},
        ],
        pre_hook="{{ remember_watermark('source_changed_at') }}",
        post_hook="{{ delete_vanished_rows(ref('stg_staging__indicator_mentions')) }}",
    )
}}

-- depends_on: {{ ref('stg_staging__mention_removals') }}

with

{% if is_incremental() %}
watermark as (
    select
        coalesce(max(source_changed_at), '-infinity'::timestamptz)
            - interval '{{ var("incremental_lookback") }}' as since
    from {{ this }}
),

changed_articles as (
    {{ articles_staged_since('(select since from watermark)') }}
    union
    select article_id
    from {{ this }}
    where not is_catalogued
        and indicator_code in (select code from {{ ref('indicators') }})
    union
    select article_id
    from {{ this }}
    where province_key is null
        and province_name_key in (select alias_key from {{ ref('int_province_aliases_keyed') }})
),
{% endif %}

mentions as (
    select *
    from {{ ref('stg_staging__indicator_mentions') }}
    {% if is_incremental() %}
    {#- an array, so that the planner looks the articles up by index rather than hashing every figure -#}
    where article_id = any(array(select article_id from changed_articles))
    {% endif %}
),

articles as (
    select
        article_id,
        portal_id,
        province_name_reported,
        {{ province_name_key('province_name_reported') }} as province_name_key,
        coalesce(canonical_url, url) as source_url,
        published_at,
        published_date,
        source_outlet is not null as is_republished,
        updated_at
    from {{ ref('stg_staging__articles') }}
    where article_id in (select article_id from mentions)
),

{#- A name known in both eras (Tuyên Quang, Cần Thơ...) means the new unit from the merger date on;
    a name known in one era only means that unit, whatever the date. -#}
article_provinces as (
    select distinct on (articles.article_id)
        articles.article_id,
        aliases.province_key
    from articles
    inner join {{ ref('int_province_aliases_keyed') }} as aliases
        on aliases.alias_key = articles.province_name_key
    order by
        articles.article_id,
        case
            when aliases.era = 'current'
                and articles.published_date >= '{{ var("province_merger_date") }}'::date then 0
            when aliases.era = 'legacy' then 1
            else 2
        end
),

catalogue as (
    select
        indicators.code,
        indicators.domain,
        indicators.unit,
        attributes.online_service_regime
    from {{ ref('indicators') }} as indicators
    left join {{ ref('indicator_attributes') }} as attributes
        on attributes.code = indicators.code
),

conformed as (
    select
        mentions.mention_id,
        mentions.article_id,
        articles.portal_id,
        mentions.indicator_code,
        catalogue.code is not null as is_catalogued,
        catalogue.domain,
        catalogue.online_service_regime,
        mentions.value,
        mentions.denominator,
        coalesce(catalogue.unit, mentions.unit_reported) as unit,
        mentions.unit_reported,
        mentions.qualifier,
        mentions.is_target,
        {{ infer_reference_year('mentions.reference_year_reported', 'articles.published_date',
                                'mentions.is_target') }} as reference_year,
        case
            when mentions.reference_year_reported is not null
                then case when mentions.year_source_reported = 'explicit' then 'explicit' else 'inferred' end
            when articles.published_date is not null then 'published_date'
            else 'none'
        end as year_source,
        mentions.reference_year_reported,
        articles.province_name_reported,
        articles.province_name_key,
        article_provinces.province_key,
        articles.published_at,
        articles.published_date,
        articles.source_url,
        articles.is_republished,
        mentions.evidence,
        mentions.char_start,
        mentions.char_end,
        mentions.extractor_version,
        mentions.extracted_at,
        greatest(mentions.extracted_at, articles.updated_at) as source_changed_at,
        now() as conformed_at
    from mentions
    inner join articles on articles.article_id = mentions.article_id
    left join article_provinces on article_provinces.article_id = mentions.article_id
    left join catalogue on catalogue.code = mentions.indicator_code
)

select * from conformed
