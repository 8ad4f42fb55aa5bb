{#- Figures whose unit is a percentage must lie between min_value and max_value (0..100). -#}
{% test percent_in_range(model, column_name, unit_column='unit', min_value=0, max_value=100) %}
select *
from {{ model }}
where {{ unit_column }} = 'percent'
    and ({{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }})
{% endtest %}
