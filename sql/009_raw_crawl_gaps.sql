-- Crawl windows that lost something (a listing page or articles that failed after their retries, or
-- a portal that could not be read). Each later crawl of the portal goes over its open gaps again,
-- until one pass reads the window whole: nothing is lost in silence, nor for good.
create table if not exists raw.crawl_gaps (
    gap_id          bigserial primary key,
    portal_id       text        not null,
    window_start    timestamptz not null,
    window_end      timestamptz not null,
    reason          text        not null,
    first_run_id    text,
    attempts        integer     not null default 1,
    first_seen_at   timestamptz not null default now(),
    last_attempt_at timestamptz not null default now(),
    closed_at       timestamptz,
    unique (portal_id, window_start, window_end)
);
create index if not exists crawl_gaps_open_idx on raw.crawl_gaps (portal_id) where closed_at is null;
