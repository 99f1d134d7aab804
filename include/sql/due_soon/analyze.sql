-- Fresh statistics after a day's rows are replaced, so the digest query and BI filters on
-- the new snapshot get sound plans before autovacuum comes round.
ANALYZE kpi.due_soon, kpi.apology_watch;
