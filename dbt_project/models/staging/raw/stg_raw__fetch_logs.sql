select
    fetch_id,
    run_id,
    portal_id,
    url,
    status_code,
    outcome,
    error as error_message,
    page_id,
    elapsed_ms,
    fetched_at
from {{ source('raw', 'fetch_log') }}
