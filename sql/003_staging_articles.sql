-- One row per story: the parsed article, boilerplate removed, with quality flags.
create table if not exists staging.articles (
    article_id       text primary key,            -- sha1 of the canonical URL of the original
    portal_id        text        not null,
    province_name    text,                        -- as reported (pre-2025 name)
    url              text        not null,
    canonical_url    text        not null,
    title            text,
    published_at     timestamptz,
    published_date   date,
    published_raw    text,                        -- the date string as found, kept when it does not parse
    body_text        text        not null,
    source_line      text,                        -- "Nguồn: ..." / "Theo: ..."
    source_outlet    text,                        -- the outlet named by the source line, if republished
    quality_flags    jsonb       not null default '[]'::jsonb,  -- [{"flag": ..., "details": ...}]
    duplicate_urls   text[]      not null default '{}',
    body_sha256      text        not null,
    body_fingerprint text,                        -- near-duplicate fingerprint (hex), to find copies
    page_id          bigint references raw.pages (page_id),
    parser_version   text        not null,
    first_loaded_at  timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);
create index if not exists articles_published_idx on staging.articles (published_date);
create index if not exists articles_portal_idx on staging.articles (portal_id);
