select
    article_id,
    portal_id,
    province_name as province_name_reported,
    url,
    canonical_url,
    title,
    published_at,
    published_date,
    published_raw,
    source_line,
    source_outlet,
    quality_flags,
    to_jsonb(duplicate_urls) as duplicate_urls,
    page_id,
    parser_version,
    first_loaded_at,
    updated_at
from {{ source('staging', 'articles') }}
