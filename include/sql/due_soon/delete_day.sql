-- Remove the early-warning snapshot of one run day (a rerun replaces it).
WITH gone_due AS (
    DELETE FROM kpi.due_soon WHERE as_of = CAST(:day AS date)
)
DELETE FROM kpi.apology_watch WHERE as_of = CAST(:day AS date);
