-- portal-kpi: Superset's own metadata database, next to Airflow's and the warehouse.
--
-- Run once by the postgres image on an EMPTY data volume, after init-warehouse.sql
-- (/docker-entrypoint-initdb.d runs files in name order). Superset creates its tables
-- itself (`superset db upgrade` in the superset-init service).
--
-- The password comes from the container environment (SUPERSET_DB_PASSWORD, set in
-- docker-compose.yaml) via psql's \getenv, so no secret is written in this file.

\set ON_ERROR_STOP on

\getenv superset_password SUPERSET_DB_PASSWORD
\if :{?superset_password}
\else
    \echo 'init-superset: SUPERSET_DB_PASSWORD is not set, using the placeholder change-me'
    \set superset_password 'change-me'
\endif

CREATE ROLE superset WITH LOGIN PASSWORD :'superset_password';

COMMENT ON ROLE superset IS 'portal-kpi: owner of Superset''s metadata database (dashboards, users); no access to the warehouse data';

CREATE DATABASE superset WITH OWNER superset ENCODING 'UTF8' TEMPLATE template0;

COMMENT ON DATABASE superset IS 'portal-kpi: Apache Superset metadata';

-- Only the owner connects to each database: a login made for one database (the BI login
-- of the warehouse, Superset's own) cannot open the others.
REVOKE CONNECT, TEMPORARY ON DATABASE superset FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE warehouse FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE airflow FROM PUBLIC;

\unset superset_password
