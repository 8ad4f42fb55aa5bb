{{ indicator_fact_rows('egov', extra_columns=['online_service_regime']) }}
