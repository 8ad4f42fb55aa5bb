-- A BI tool is one client among many: a runaway dashboard query or a leak of connections must not
-- take the warehouse from the nightly run.
alter role bi_reader connection limit 20;
alter role bi_reader set statement_timeout = '120s';
alter role bi_reader set idle_in_transaction_session_timeout = '300s';
