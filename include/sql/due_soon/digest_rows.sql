-- Lines of the per-agency digests of run day D (:day): overdue and due-soon dossiers (with
-- whether an apology letter is owed), late results without a timely apology, and paused
-- dossiers (the sender counts those but does not list them). The agency's name is the
-- catalogue's name valid on D, else the name the dossiers carry.
WITH lines AS (
    SELECT s.agency_code, s.agency_name, s.category, s.dossier_code, s.procedure_code,
           s.procedure_name, s.channel, s.status, s.due_day, s.working_days_left,
           s.supplement_count, s.has_apology, s.apology_owed, CAST(NULL AS date) AS finished_day
    FROM kpi.due_soon AS s
    WHERE s.as_of = CAST(:day AS date)
    UNION ALL
    SELECT w.agency_code, w.agency_name, w.category, w.dossier_code, w.procedure_code,
           w.procedure_name, w.channel, w.status, w.due_day, w.working_days_left,
           w.supplement_count, w.first_apology_at IS NOT NULL, false, w.finished_at::date
    FROM kpi.apology_watch AS w
    WHERE w.as_of = CAST(:day AS date) AND w.category = 'apology_late'
),
names AS (
    SELECT DISTINCT ON (g.code) g.code, g.name
    FROM core.agency AS g
    WHERE g.code IN (SELECT DISTINCT agency_code FROM lines)
      AND g.valid_from <= CAST(:day AS date)
      AND (g.valid_to IS NULL OR g.valid_to >= CAST(:day AS date))
    ORDER BY g.code, g.valid_from DESC
)
SELECT l.agency_code, coalesce(n.name, l.agency_name) AS agency_name, l.category,
       l.dossier_code, l.procedure_code, l.procedure_name, l.channel, l.status, l.due_day,
       l.working_days_left, l.supplement_count, l.has_apology, l.apology_owed, l.finished_day
FROM lines AS l
LEFT JOIN names AS n ON n.code = l.agency_code
ORDER BY l.agency_code,
         CASE l.category WHEN 'overdue' THEN 0 WHEN 'due_soon' THEN 1
                         WHEN 'apology_late' THEN 2 ELSE 3 END,
         l.working_days_left NULLS FIRST, l.due_day, l.dossier_code;
