-- Group rows (sum of the components' points) and the total row (sum of the groups) of one
-- period type for :day.
INSERT INTO kpi.score_766
    (as_of, period_type, period_start, period_end, agency_code, row_kind, group_code,
     component_code, ratio, points, max_points, threshold, provisional, source)
WITH groups AS (
    SELECT s.agency_code, s.group_code, sum(s.points) AS points,
           CASE WHEN bool_and(s.source = 'local') THEN 'local'
                WHEN bool_and(s.source = 'official') THEN 'official'
                WHEN bool_and(s.source = 'missing') THEN 'missing'
                ELSE 'mixed' END AS source
    FROM kpi.score_766 AS s
    WHERE s.as_of = :day AND s.period_type = :ptype AND s.row_kind = 'component'
    GROUP BY s.agency_code, s.group_code
),
with_max AS (
    SELECT g.*, m.max_points,
           coalesce(g.points, CASE WHEN g.source <> 'missing' THEN 0 END) AS pts
    FROM groups AS g JOIN kpi.score_766_group AS m USING (group_code)
)
SELECT CAST(:day AS date), :ptype, CAST(:ps AS date), CAST(:pe AS date), agency_code, 'group',
       group_code, group_code, kpi.ratio_766(pts, max_points), pts, max_points, 100, true, source
FROM with_max
UNION ALL
SELECT CAST(:day AS date), :ptype, CAST(:ps AS date), CAST(:pe AS date), agency_code, 'total',
       'TOTAL', 'TOTAL', kpi.ratio_766(sum(pts), sum(max_points)), sum(pts), sum(max_points),
       100, true,
       CASE WHEN bool_and(source = 'local') THEN 'local'
            WHEN bool_and(source = 'official') THEN 'official'
            WHEN bool_and(source = 'missing') THEN 'missing' ELSE 'mixed' END
FROM with_max
GROUP BY agency_code;
