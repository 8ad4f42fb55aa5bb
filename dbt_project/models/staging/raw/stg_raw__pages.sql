select
    page_id,
    portal_id,
    url,
    final_url,
    page_kind,
    status_code,
    content_sha256,
    encoding as declared_encoding,
    fetched_at
from {{ source('raw', 'pages') }}
