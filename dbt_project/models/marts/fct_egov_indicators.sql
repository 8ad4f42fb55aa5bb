{{
    config(
        materialized='incremental',
        unique_key='article_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        meta={'test_batch_column': 'conformed_at'},
        indexes=[
            {'columns': ['mention_id'], 'unique': true},
            {'columns': ['article_id']},
            {'columns': ['conformed_at']},
            {'columns': ['current_province_key', 'indicator_code', 'reference_year']},
        ],
        pre_hook="{{ remember_watermark('conformed_at') }}",
        post_hook="{{ delete_vanished_rows(ref('int_indicator_mentions_conformed')) }}",
    )
}}

-- depends_on: {{ ref('stg_staging__mention_removals') }}

{{ indicator_fact_rows('egov', extra_columns=['online_service_regime']) }}
