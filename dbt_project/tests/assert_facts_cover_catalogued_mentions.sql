{#- Every catalogued staging mention is in exactly one fact table, and no fact row is stale. -#}
with

expected as (
    select mentions.mention_id
    from {{ ref('stg_staging__indicator_mentions') }} as mentions
    inner join {{ ref('dim_indicator') }} as indicators
        on indicators.indicator_code = mentions.indicator_code
),

facts as (
    select mention_id from {{ ref('fct_infrastructure_indicators') }}
    union all
    select mention_id from {{ ref('fct_egov_indicators') }}
)

select coalesce(expected.mention_id, facts.mention_id) as mention_id,
    case when facts.mention_id is null then 'missing from facts' else 'stale in facts' end as problem
from expected
full outer join facts on facts.mention_id = expected.mention_id
where expected.mention_id is null or facts.mention_id is null
