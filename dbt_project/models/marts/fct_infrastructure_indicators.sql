{{ indicator_fact_rows('infrastructure') }}
