-- One row per figure read from an article, with the sentence and span it came from.
create table if not exists staging.indicator_mentions (
    mention_id         text primary key,          -- sha1 of article_id, indicator, span, target flag
    article_id         text        not null references staging.articles (article_id) on delete cascade,
    indicator_code     text        not null,
    value              numeric     not null,
    denominator        numeric,
    unit               text        not null,
    qualifier          text        not null check (qualifier in ('exact', 'approx', 'at_least', 'at_most')),
    is_target          boolean     not null default false,
    reference_year     integer,
    year_source        text,                      -- explicit | inferred | none
    evidence           text        not null,
    char_start         integer     not null,
    char_end           integer     not null,
    extractor_version  text        not null,
    extracted_at       timestamptz not null default now()
);
create index if not exists mentions_article_idx on staging.indicator_mentions (article_id);
create index if not exists mentions_extracted_idx on staging.indicator_mentions (extracted_at);

-- Which extractor version last read each article, so a new version re-reads only what it must.
create table if not exists staging.extraction_state (
    article_id         text primary key references staging.articles (article_id) on delete cascade,
    extractor_version  text        not null,
    mention_count      integer     not null,
    extracted_at       timestamptz not null default now()
);
