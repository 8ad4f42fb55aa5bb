select
    mention_id,
    article_id,
    indicator_code,
    value,
    denominator,
    unit as unit_reported,
    qualifier,
    is_target,
    reference_year,
    year_source,
    evidence,
    char_start,
    char_end,
    extractor_version,
    extracted_at
from {{ source('staging', 'indicator_mentions') }}
