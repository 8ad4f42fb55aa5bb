{#- Tests read their model through this macro (dbt's own, overridden). A `where` holding
    __latest_batch__ limits an incremental model's tests to the rows its latest run wrote, so that a
    nightly build's tests cost in proportion to the new figures, not to the history: older rows were
    tested when they were written, and keys stay unique through the tables' unique indexes.
    The batch column is the model's `meta.test_batch_column` (every row a run writes carries the same
    value); models without one, and any run with var test_full_history, test every row. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__latest_batch__' in where -%}
        {%- set where = where | replace('__latest_batch__', latest_batch_condition(relation)) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro latest_batch_condition(relation) -%}
    {%- set found = namespace(column=none) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.alias == relation.identifier
              and node.schema == relation.schema -%}
            {%- set found.column = (node.config.meta or {}).get('test_batch_column') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found.column and not var('test_full_history', false) -%}
        {{ found.column }} >= (select max({{ found.column }}) from {{ relation }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
