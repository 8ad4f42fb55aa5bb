{#- The year a figure refers to: the year the text gave; otherwise the publication year, except that
    a figure (not a target) published in January or February (up to var year_end_review_last_month)
    belongs to the previous year, as year-end reviews are published then. Null without a date. -#}
{% macro infer_reference_year(reported_year, published_date, is_target) -%}
    case
        when {{ reported_year }} is not null then {{ reported_year }}
        when {{ published_date }} is null then null
        when not {{ is_target }}
            and extract(month from {{ published_date }}) <= {{ var('year_end_review_last_month') }}
            then extract(year from {{ published_date }})::integer - 1
        else extract(year from {{ published_date }})::integer
    end
{%- endmacro %}
