-- Every distinct response body, kept as fetched so parsing and extraction can be re-run without fetching.
create table if not exists raw.pages (
    page_id         bigserial primary key,
    portal_id       text        not null,
    url             text        not null,
    final_url       text        not null,
    page_kind       text        not null default 'article',  -- article | listing | feed
    status_code     integer     not null,
    headers         jsonb       not null default '{}'::jsonb,
    body            bytea       not null,
    content_sha256  text        not null,
    encoding        text,
    fetched_at      timestamptz not null default now(),
    unique (url, content_sha256)
);
create index if not exists pages_portal_fetched_idx on raw.pages (portal_id, fetched_at);

-- One row per request made, including 304s and failures: what the crawler did, night by night.
create table if not exists raw.fetch_log (
    fetch_id        bigserial primary key,
    run_id          text,
    portal_id       text        not null,
    url             text        not null,
    status_code     integer,
    outcome         text        not null,  -- stored | not_modified | skipped | error | disallowed
    error           text,
    page_id         bigint references raw.pages (page_id),
    elapsed_ms      integer,
    fetched_at      timestamptz not null default now()
);
create index if not exists fetch_log_url_idx on raw.fetch_log (url, fetched_at desc);
