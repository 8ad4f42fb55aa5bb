{#- For count indicators, the total of a current (post-2025) province in a year when every legacy
    province that formed it reported a value: e.g. Tuyên Quang = Hà Giang + Tuyên Quang BTS stations.
    Percentages and per-100 ratios cannot be added this way and are left out. Compile with
    `dbt compile --select current_province_totals` and run the SQL in a BI tool. -#}
with

legacy_values as (
    select
        current_province_key,
        province_name_current,
        indicator_code,
        reference_year,
        is_target,
        count(*) as reporting_province_count,
        sum(value) as total_value,
        string_agg(province_name || ': ' || value, ', ' order by province_name) as constituents
    from {{ ref('fct_province_indicator_years') }}
    where province_era = 'legacy'
        and unit in ('count', 'vnd')
    group by 1, 2, 3, 4, 5
),

expected as (
    select current_province_key, count(*) as legacy_province_count
    from {{ ref('dim_province') }}
    where era = 'legacy'
    group by 1
)

select legacy_values.*
from legacy_values
inner join expected on expected.current_province_key = legacy_values.current_province_key
where legacy_values.reporting_province_count = expected.legacy_province_count
