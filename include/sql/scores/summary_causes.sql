-- The :top causes per agency on :day, by the points they are worth together (one example
-- each: the dossier or procedure with the earliest due date, else the first code).
WITH grouped AS (
    SELECT agency_code, component_code, cause, count(*) AS count,
           CASE WHEN cause = 'online_needed' THEN sum(points_worth)
                ELSE least(sum(points_worth), max(s.max_points)) END AS points_worth,
           (array_agg(coalesce(dossier_code, procedure_code)
                      ORDER BY due_at NULLS LAST, dossier_code, procedure_code))[1] AS example
    FROM kpi.points_at_stake_cause AS c
    JOIN kpi.score_766_component AS s USING (component_code)
    WHERE c.as_of = :day
      AND (CAST(:agencies AS text[]) IS NULL OR c.agency_code = ANY (CAST(:agencies AS text[])))
    GROUP BY agency_code, component_code, cause
),
ranked AS (
    SELECT g.*, row_number() OVER (PARTITION BY agency_code
                                   ORDER BY points_worth DESC, component_code, cause) AS rank
    FROM grouped AS g
)
SELECT agency_code, component_code, cause, count, round(points_worth, 2) AS points_worth, example
FROM ranked WHERE rank <= :top
ORDER BY agency_code, rank;
