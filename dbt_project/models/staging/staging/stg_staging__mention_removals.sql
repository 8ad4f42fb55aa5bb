select
    article_id,
    removed_at
from {{ source('staging', 'mention_removals') }}
