{#- Every catalogued staging mention is in exactly one fact table, and no fact row is stale: the
    incremental models stay in step with staging.indicator_mentions.
    Like the generic tests (macro get_where_subquery), a nightly build checks what its latest run
    had to handle: the articles of the conformed model's latest batch and every article staged,
    re-parsed or stripped of figures since the batch before it (less the look-back). After a full
    refresh that is the whole history; `--vars '{test_full_history: true}'` always checks it all. -#}
{%- set latest_run_only = not var('test_full_history', false) %}
{%- set conformed = ref('int_indicator_mentions_conformed') %}

with

{% if latest_run_only %}
latest_batch as (
    select max(conformed_at) as conformed_at from {{ conformed }}
),

previous_batch as (
    select coalesce(max(conformed_at), '-infinity'::timestamptz)
        - interval '{{ var("incremental_lookback") }}' as since
    from {{ conformed }}
    where conformed_at < (select conformed_at from latest_batch)
),

articles_in_scope as (
    select article_id
    from {{ conformed }}
    where conformed_at >= (select conformed_at from latest_batch)
    union
    {{ articles_staged_since('(select since from previous_batch)') }}
    union
    {{ articles_with_removed_mentions('(select since from previous_batch)') }}
),
{% endif %}

expected as (
    select mentions.mention_id
    from {{ ref('stg_staging__indicator_mentions') }} as mentions
    inner join {{ ref('dim_indicator') }} as indicators
        on indicators.indicator_code = mentions.indicator_code
    {% if latest_run_only %}
    where mentions.article_id = any(array(select article_id from articles_in_scope))
    {% endif %}
),

facts as (
    {% for fact_table in ['fct_infrastructure_indicators', 'fct_egov_indicators'] %}
    select mention_id
    from {{ ref(fact_table) }}
    {% if latest_run_only %}
    where article_id = any(array(select article_id from articles_in_scope))
    {% endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select coalesce(expected.mention_id, facts.mention_id) as mention_id,
    case when facts.mention_id is null then 'missing from facts' else 'stale in facts' end as problem
from expected
full outer join facts on facts.mention_id = expected.mention_id
where expected.mention_id is null or facts.mention_id is null
