-- portal-kpi: the login Superset uses to read the warehouse (docker-compose service
-- warehouse-bi-login). Run as the warehouse owner AFTER the migrations, which create the
-- NOLOGIN role bi_reader (USAGE on schema kpi, SELECT on its views, nothing else).
--
-- bi_superset is a member of bi_reader and has no privilege of its own except CONNECT on
-- the warehouse database (PUBLIC's CONNECT is revoked by init-superset.sql). Safe to run
-- again: the role is created once, its password re-set from BI_DB_PASSWORD every time.

\set ON_ERROR_STOP on

\getenv bi_password BI_DB_PASSWORD
\if :{?bi_password}
\else
    \echo 'bi-login: BI_DB_PASSWORD is not set, using the placeholder change-me'
    \set bi_password 'change-me'
\endif

SELECT 'CREATE ROLE bi_superset WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_superset')
\gexec

ALTER ROLE bi_superset WITH LOGIN PASSWORD :'bi_password';

GRANT bi_reader TO bi_superset;

GRANT CONNECT ON DATABASE warehouse TO bi_superset;

COMMENT ON ROLE bi_superset IS 'portal-kpi: Superset''s login to the warehouse; member of bi_reader (reads schema kpi only)';

\unset bi_password
