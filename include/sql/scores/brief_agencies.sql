-- The agencies losing the most points (local components) on :day, with their name.
SELECT p.agency_code, a.name AS agency_name, sum(p.points_lost) AS points_lost,
       sum(p.points_lost) FILTER (WHERE p.component_code = '2.1') AS lost_on_time,
       sum(p.points_lost) FILTER (WHERE p.component_code LIKE '3.%') AS lost_online
FROM kpi.points_at_stake AS p
LEFT JOIN LATERAL (
    SELECT name FROM core.agency AS g
    WHERE g.code = p.agency_code ORDER BY g.valid_from DESC LIMIT 1
) AS a ON true
WHERE p.as_of = :day AND p.agency_code <> :province
GROUP BY p.agency_code, a.name
HAVING sum(p.points_lost) > 0
ORDER BY sum(p.points_lost) DESC, p.agency_code
LIMIT :top;
