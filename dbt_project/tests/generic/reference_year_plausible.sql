{#- The year a figure refers to, against the date of the article that reports it: an achieved figure
    is at most max_years_before years older than the article and not after it; a target is no more
    than one year behind and max_years_ahead years ahead. -#}
{% test reference_year_plausible(model, column_name, published_date_column='published_date',
                                 target_column='is_target', max_years_before=10, max_years_ahead=15) %}
with dated as (
    select
        *,
        extract(year from {{ published_date_column }})::integer as published_year
    from {{ model }}
    where {{ column_name }} is not null
        and {{ published_date_column }} is not null
)

select *
from dated
where case
    when {{ target_column }} then
        {{ column_name }} < published_year - 1
        or {{ column_name }} > published_year + {{ max_years_ahead }}
    else
        {{ column_name }} > published_year
        or {{ column_name }} < published_year - {{ max_years_before }}
    end
{% endtest %}
