-- Points lost so far in the month, per agency (and the province) and local component.
INSERT INTO kpi.points_at_stake
    (as_of, period_start, agency_code, component_code, numerator, denominator, points,
     max_points, points_lost, cause_count)
SELECT s.as_of, s.period_start, s.agency_code, s.component_code, s.numerator, s.denominator,
       s.points, s.max_points,
       CASE WHEN s.points IS NULL THEN 0 ELSE s.max_points - s.points END,
       (SELECT count(*) FROM kpi.points_at_stake_cause AS c
        WHERE c.as_of = s.as_of AND c.component_code = s.component_code
          AND (c.agency_code = s.agency_code OR s.agency_code = :province))
FROM kpi.score_766 AS s
WHERE s.as_of = :day AND s.period_type = 'month' AND s.row_kind = 'component'
  AND s.source = 'local';
