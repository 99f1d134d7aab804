-- Local components (2.1, 3.1, 3.2, 3.3, 3.6, 4.3) of one period to date, per agency valid
-- on :day or with dossiers, and for the province (:province, everything). Reads the temp
-- tables judged_2_1, received_766, services_766.
INSERT INTO kpi.score_766
    (as_of, period_type, period_start, period_end, agency_code, row_kind, group_code,
     component_code, numerator, denominator, ratio, points, max_points, threshold,
     provisional, source)
WITH counts AS (
    SELECT agency_code, '2.1' AS component_code,
           count(*) FILTER (WHERE NOT late) AS n, count(*) AS d
    FROM judged_2_1 GROUP BY ROLLUP (agency_code)
    UNION ALL
    SELECT agency_code, '3.1', count(*) FILTER (WHERE online_level IN (3, 4)), count(*)
    FROM services_766 GROUP BY ROLLUP (agency_code)
    UNION ALL
    SELECT agency_code, '3.2', count(*) FILTER (WHERE used_online), count(*)
    FROM services_766 WHERE online_level IN (3, 4) GROUP BY ROLLUP (agency_code)
    UNION ALL
    SELECT agency_code, '3.3', count(*) FILTER (WHERE channel = 2), count(*)
    FROM received_766 GROUP BY ROLLUP (agency_code)
    UNION ALL
    SELECT agency_code, '3.6', count(*) FILTER (WHERE online_payment IN (1, 2)), count(*)
    FROM received_766 WHERE has_fee AND online_payment IS DISTINCT FROM 0
    GROUP BY ROLLUP (agency_code)
    UNION ALL
    SELECT agency_code, '4.3', count(*) FILTER (WHERE has_digitised), count(*)
    FROM received_766 GROUP BY ROLLUP (agency_code)
),
agencies AS (
    SELECT code AS agency_code FROM core.agency
    WHERE valid_from <= CAST(:day AS date)
      AND (valid_to IS NULL OR valid_to >= CAST(:day AS date)) AND code <> :province
    UNION
    SELECT agency_code FROM counts WHERE agency_code IS NOT NULL
    UNION
    SELECT CAST(:province AS text)
),
components AS (
    SELECT * FROM kpi.score_766_component WHERE local
)
SELECT CAST(:day AS date), :ptype, CAST(:ps AS date), CAST(:pe AS date), a.agency_code,
       'component', c.group_code, c.component_code,
       coalesce(k.n, 0), coalesce(k.d, 0),
       kpi.ratio_766(coalesce(k.n, 0), coalesce(k.d, 0)),
       kpi.points_766(coalesce(k.n, 0), coalesce(k.d, 0), c.max_points, c.threshold,
                      c.empty_rule, c.from_ratio),
       c.max_points, 100 * coalesce(c.threshold, 1), true, 'local'
FROM agencies AS a
CROSS JOIN components AS c
LEFT JOIN counts AS k
  ON coalesce(k.agency_code, CAST(:province AS text)) = a.agency_code
 AND k.component_code = c.component_code
 AND (k.agency_code IS NOT NULL OR a.agency_code = :province);
