-- The lists of a run day already built while a later day is loaded: they are kept as they
-- were (never rebuilt from a later state of the dossiers).
SELECT overdue, due_soon, paused, apology_owed, apology_late, agencies
FROM kpi.due_soon_run
WHERE as_of = CAST(:day AS date)
  AND EXISTS (SELECT 1 FROM core.load_day WHERE business_day > CAST(:day AS date));
