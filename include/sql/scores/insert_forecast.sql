-- Month-end forecast per agency and local component (reads the month's temp tables).
-- at_risk and recent are MATERIALIZED: computed once each, whatever the planner estimates
-- for the score rows just inserted (an estimate of one row made it re-aggregate
-- judged_2_1 for every score row: a minute on a fresh warehouse of a fortnight).
INSERT INTO kpi.score_766_forecast
    (as_of, period_start, agency_code, component_code, current_points, expected_points,
     best_points, worst_points, max_points, assumption)
WITH score AS (
    SELECT s.agency_code, s.component_code, s.numerator AS n, s.denominator AS d, s.points,
           c.max_points, c.threshold, c.empty_rule, c.from_ratio
    FROM kpi.score_766 AS s
    JOIN kpi.score_766_component AS c USING (component_code)
    WHERE s.as_of = :day AND s.period_type = 'month' AND s.row_kind = 'component'
      AND s.source = 'local'
),
days AS (
    SELECT count(*) FILTER (WHERE g.day <= CAST(:day AS date) AND g.working) AS elapsed,
           count(*) FILTER (WHERE g.day > CAST(:day AS date) AND g.working) AS remaining
    FROM (
        SELECT x.day::date AS day,
               coalesce(c.is_working_day, extract(isodow FROM x.day) < 6) AS working
        FROM generate_series(CAST(:ps AS date), CAST(:pe AS date), interval '1 day') AS x (day)
        LEFT JOIN core.calendar_day AS c ON c.day = x.day::date
    ) AS g
),
at_risk AS MATERIALIZED (
    SELECT coalesce(j.agency_code, CAST(:province AS text)) AS agency_code,
           count(*) FILTER (
               WHERE NOT j.late AND j.open_at_day AND j.pending_since IS NULL
                 AND j.due_at IS NOT NULL
                 AND ((CAST(:pe AS date) + interval '1 day' - interval '1 second') - j.waited)::date
                     > j.due_at::date) AS a
    FROM judged_2_1 AS j
    GROUP BY ROLLUP (j.agency_code)
),
recent AS MATERIALIZED (
    SELECT coalesce(d.agency_code, CAST(:province AS text)) AS agency_code,
           count(*) FILTER (WHERE d.due_at IS NULL OR d.finished_at::date <= d.due_at::date)::numeric
               / nullif(count(*), 0) AS rate
    FROM core.dossier AS d
    WHERE d.status IN (7, 9, 10)
      AND d.finished_at >= CAST(:day AS date) - 29 AND d.finished_at < CAST(:day AS date) + 1
    GROUP BY ROLLUP (d.agency_code)
),
cases AS (
    SELECT s.*, days.remaining, days.elapsed,
           coalesce(r.a, 0) AS a, coalesce(rc.rate, 1) AS rate,
           CASE WHEN days.elapsed > 0 THEN s.d * days.remaining / days.elapsed ELSE 0 END AS v
    FROM score AS s
    CROSS JOIN days
    LEFT JOIN at_risk AS r USING (agency_code)
    LEFT JOIN recent AS rc USING (agency_code)
),
figures AS (
    SELECT c.agency_code, c.component_code, c.points AS current_points, c.max_points,
           CASE c.component_code
               WHEN '2.1' THEN kpi.points_766(c.n - c.a + c.rate * c.a, c.d, c.max_points,
                                              c.threshold, c.empty_rule, c.from_ratio)
               WHEN '3.1' THEN c.points
               WHEN '3.2' THEN c.points
               ELSE kpi.points_766(c.n + c.n * c.v / nullif(c.d, 0), c.d + c.v, c.max_points,
                                   c.threshold, c.empty_rule, c.from_ratio)
           END AS expected_points,
           CASE c.component_code
               WHEN '2.1' THEN c.points
               WHEN '3.1' THEN c.points
               WHEN '3.2' THEN kpi.points_766(c.d, c.d, c.max_points, c.threshold,
                                              c.empty_rule, c.from_ratio)
               ELSE kpi.points_766(c.n + c.v, c.d + c.v, c.max_points, c.threshold,
                                   c.empty_rule, c.from_ratio)
           END AS best_points,
           CASE c.component_code
               WHEN '2.1' THEN kpi.points_766(c.n - c.a, c.d, c.max_points, c.threshold,
                                              c.empty_rule, c.from_ratio)
               WHEN '3.1' THEN c.points
               WHEN '3.2' THEN c.points
               ELSE kpi.points_766(c.n, c.d + c.v, c.max_points, c.threshold, c.empty_rule,
                                   c.from_ratio)
           END AS worst_points,
           format('%s working days left, %s elapsed; %s open dossiers due before month end; '
                  'on-time rate of the last 30 days %s; receipts expected %s',
                  c.remaining, c.elapsed, c.a, round(c.rate, 4), round(c.v, 1)) AS assumption
    FROM cases AS c
)
SELECT CAST(:day AS date), CAST(:ps AS date), agency_code, component_code, current_points,
       expected_points, best_points, worst_points, max_points, assumption
FROM figures
UNION ALL
SELECT CAST(:day AS date), CAST(:ps AS date), agency_code, 'TOTAL',
       sum(coalesce(current_points, 0)), sum(coalesce(expected_points, 0)),
       sum(coalesce(best_points, 0)), sum(coalesce(worst_points, 0)), sum(max_points),
       'sum of the local components'
FROM figures
GROUP BY agency_code;
