-- Per agency on :day (month to date, local components): points, points lost, forecast range.
SELECT p.agency_code, a.name AS agency_name,
       sum(coalesce(p.points, 0)) AS points, sum(p.max_points) AS max_points,
       sum(p.points_lost) AS points_lost,
       f.expected_points AS expected, f.best_points AS best, f.worst_points AS worst
FROM kpi.points_at_stake AS p
JOIN kpi.score_766_forecast AS f
  ON f.as_of = p.as_of AND f.agency_code = p.agency_code AND f.component_code = 'TOTAL'
LEFT JOIN LATERAL (
    SELECT name FROM core.agency AS g
    WHERE g.code = p.agency_code ORDER BY g.valid_from DESC LIMIT 1
) AS a ON true
WHERE p.as_of = :day
  AND (CAST(:agencies AS text[]) IS NULL OR p.agency_code = ANY (CAST(:agencies AS text[])))
GROUP BY p.agency_code, a.name, f.expected_points, f.best_points, f.worst_points
ORDER BY sum(p.points_lost) DESC, p.agency_code;
