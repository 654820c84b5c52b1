-- Run by a database's owner (the role migrations run as) before every migration, with psql -v serving_role=<role>:
-- the serving role may connect and read and write rows, nothing else (no DDL, no TRUNCATE, no other database).
-- The default privileges cover every table and sequence the owner creates later, so a migration needs no grant of
-- its own; the GRANT ... ON ALL statements cover what exists already. Idempotent.
\set ON_ERROR_STOP on
SELECT set_config('moderation.serving_role', :'serving_role', false) AS serving_role \gset
DO $$
DECLARE
  serving text := current_setting('moderation.serving_role');
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), serving);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', serving);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', serving);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', serving);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', serving);
  EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', serving);
END
$$;
