{#- Every name a province is reported under, reduced to the matching key, per era. -#}
with

provinces as (
    select province_key, era, province_name, province_full_name
    from {{ ref('provinces') }}
),

aliases as (
    select alias, province_key from {{ ref('province_aliases') }}
    union all
    select alias, province_key from {{ ref('province_spellings') }}
    union all
    select province_name, province_key from provinces
    union all
    select province_full_name, province_key from provinces
),

keyed as (
    select distinct
        {{ province_name_key('aliases.alias') }} as alias_key,
        provinces.era,
        aliases.province_key
    from aliases
    inner join provinces on provinces.province_key = aliases.province_key
)

select
    alias_key || ':' || era as alias_id,
    alias_key,
    era,
    province_key
from keyed
