-- What would recover (or keep) the most points across the province on :day: per component
-- and cause, the points its rows are worth, capped per agency at what the agency loses or
-- can lose on that component.
WITH per_agency AS (
    SELECT c.agency_code, c.component_code, c.cause, count(*) AS rows,
           least(sum(c.points_worth), max(s.max_points)) AS worth
    FROM kpi.points_at_stake_cause AS c
    JOIN kpi.score_766_component AS s USING (component_code)
    WHERE c.as_of = :day
    GROUP BY c.agency_code, c.component_code, c.cause
)
SELECT component_code, cause, sum(rows) AS rows, count(*) AS agencies,
       round(sum(worth), 2) AS points
FROM per_agency
GROUP BY component_code, cause
ORDER BY sum(worth) DESC, component_code, cause
LIMIT :top;
