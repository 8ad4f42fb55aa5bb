with

provinces as (
    select * from {{ ref('provinces') }}
),

current_units as (
    select province_key, province_code, province_name
    from provinces
    where era = 'current'
),

constituents as (
    select current_province_key, count(*) as legacy_province_count
    from provinces
    where era = 'legacy'
    group by current_province_key
)

select
    provinces.province_key,
    provinces.era,
    provinces.province_code,
    provinces.province_name,
    provinces.province_full_name,
    provinces.province_type,
    provinces.latitude,
    provinces.longitude,
    case when provinces.era = 'legacy' then null else '{{ var("province_merger_date") }}'::date end
        as valid_from,
    case when provinces.era = 'legacy' then '{{ var("province_merger_date") }}'::date - 1 end
        as valid_to,
    provinces.current_province_key,
    current_units.province_code as current_province_code,
    current_units.province_name as current_province_name,
    constituents.legacy_province_count > 1 as is_merged,
    case when provinces.era = 'current' then constituents.legacy_province_count end
        as legacy_province_count
from provinces
inner join current_units on current_units.province_key = provinces.current_province_key
inner join constituents on constituents.current_province_key = provinces.current_province_key
