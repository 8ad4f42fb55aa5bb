{#- A figure read as "x/y" (18/22 databases, ranked 12/63) cannot exceed its denominator. -#}
{% test value_not_above_denominator(model, column_name, denominator_column='denominator') %}
select *
from {{ model }}
where {{ denominator_column }} is not null
    and {{ column_name }} > {{ denominator_column }}
{% endtest %}
