-- Incremental dbt models look for articles re-parsed since their last run; without this index each
-- nightly build reads every article.
create index if not exists articles_updated_idx on staging.articles (updated_at);
