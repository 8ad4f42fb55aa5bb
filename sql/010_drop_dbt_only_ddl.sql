-- dbt builds its models as plain tables now, so the bookkeeping that served its incremental models
-- goes: the removal log and its trigger (once sql/006) and the updated_at index (once sql/007).
-- A warehouse created before this file still has them; a new one never had them.
drop trigger if exists indicator_mentions_record_removal on staging.indicator_mentions;
drop function if exists staging.record_mention_removal();
-- cascade: dbt's view of the table (stg_staging__mention_removals, a model that no longer exists)
-- depends on it in a warehouse dbt has built
drop table if exists staging.mention_removals cascade;
drop index if exists staging.articles_updated_idx;
