-- portal-kpi: create the warehouse database next to Airflow's metadata database.
--
-- The postgres image runs this file once, through psql, when the service starts on an
-- EMPTY data volume (/docker-entrypoint-initdb.d). Changing it later has no effect on an
-- existing volume: run the statements by hand or recreate the volume.
--
-- Only the owner role and the empty database are made here. Everything inside the
-- database (schemas, tables, views, comments, the bi_reader role, grants) belongs to the
-- project's migrations; CREATEROLE lets those migrations create and grant bi_reader.
--
-- The password comes from the container environment (WAREHOUSE_DB_PASSWORD, set in
-- docker-compose.yaml) via psql's \getenv (psql 15+), so no secret is written in this file.

\set ON_ERROR_STOP on

\getenv warehouse_password WAREHOUSE_DB_PASSWORD
\if :{?warehouse_password}
\else
    \echo 'init-warehouse: WAREHOUSE_DB_PASSWORD is not set, using the placeholder change-me'
    \set warehouse_password 'change-me'
\endif

CREATE ROLE warehouse WITH LOGIN CREATEROLE PASSWORD :'warehouse_password';

COMMENT ON ROLE warehouse IS 'portal-kpi: owner of the warehouse database; runs migrations and the pipeline';

CREATE DATABASE warehouse WITH OWNER warehouse ENCODING 'UTF8' TEMPLATE template0;

COMMENT ON DATABASE warehouse IS 'portal-kpi: raw, staging, core and kpi layers';

\unset warehouse_password
