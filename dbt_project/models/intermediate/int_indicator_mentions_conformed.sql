{#- One row per figure per article, conformed to the indicator catalogue and the province dimension.
    The reference year is the extractor's (it infers one where the text states none). -#}
with

mentions as (
    select * from {{ ref('stg_staging__indicator_mentions') }}
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
        source_outlet is not null as is_republished
    from {{ ref('stg_staging__articles') }}
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
        mentions.reference_year,
        case
            when mentions.reference_year is null then 'none'
            when mentions.year_source = 'explicit' then 'explicit'
            else 'inferred'
        end as year_source,
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
        now() as conformed_at
    from mentions
    inner join articles on articles.article_id = mentions.article_id
    left join article_provinces on article_provinces.article_id = mentions.article_id
    left join catalogue on catalogue.code = mentions.indicator_code
)

select * from conformed
