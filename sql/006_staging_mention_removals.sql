-- When an article's figures were last deleted (re-extraction, a copy folded into its original, a
-- hand-made delete), kept by a trigger so that incremental dbt models find vanished figures among
-- the articles named here instead of scanning the whole history. One row per article.
create table if not exists staging.mention_removals (
    article_id  text        primary key,
    removed_at  timestamptz not null default now()
);
create index if not exists mention_removals_removed_idx on staging.mention_removals (removed_at);

create or replace function staging.record_mention_removal() returns trigger
language plpgsql as $$
begin
    insert into staging.mention_removals (article_id, removed_at)
    values (old.article_id, now())
    on conflict (article_id) do update set removed_at = excluded.removed_at;
    return null;
end
$$;

drop trigger if exists indicator_mentions_record_removal on staging.indicator_mentions;
create trigger indicator_mentions_record_removal
    after delete on staging.indicator_mentions
    for each row execute function staging.record_mention_removal();
