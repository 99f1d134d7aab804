-- What a person can act on, per agency and local component of the month to date (reads the
-- month's temp tables and kpi.score_766 rows of :day). points_worth: for proportional
-- components max / denominator; otherwise the points one more success would add.
INSERT INTO kpi.points_at_stake_cause
    (as_of, agency_code, component_code, cause, dossier_code, procedure_code, procedure_name,
     due_at, needed, per_day, points_worth)
WITH score AS (
    SELECT s.agency_code, s.component_code, s.numerator AS n, s.denominator AS d, s.points,
           c.max_points, c.threshold, c.empty_rule, c.from_ratio
    FROM kpi.score_766 AS s
    JOIN kpi.score_766_component AS c USING (component_code)
    WHERE s.as_of = :day AND s.period_type = 'month' AND s.row_kind = 'component'
      AND s.source = 'local' AND s.agency_code <> :province
),
gain AS (
    SELECT s.*,
           coalesce(kpi.points_766(s.n + 1, s.d, s.max_points, s.threshold, s.empty_rule,
                                   s.from_ratio), 0)
           - coalesce(s.points, 0) AS one_more
    FROM score AS s
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
)
SELECT CAST(:day AS date), j.agency_code, '2.1', 'late', j.dossier_code, j.procedure_code, j.procedure_name,
       j.due_at, NULL::integer, NULL::numeric, round(20.0 / g.d, 4)
FROM judged_2_1 AS j
JOIN gain AS g ON g.agency_code = j.agency_code AND g.component_code = '2.1'
WHERE j.late
UNION ALL
SELECT CAST(:day AS date), j.agency_code, '2.1', 'turns_late', j.dossier_code, j.procedure_code,
       j.procedure_name, j.due_at, NULL, NULL, round(20.0 / g.d, 4)
FROM judged_2_1 AS j
JOIN gain AS g ON g.agency_code = j.agency_code AND g.component_code = '2.1'
WHERE NOT j.late AND j.open_at_day AND j.pending_since IS NULL AND j.due_at IS NOT NULL
  AND ((CAST(:pe AS date) + interval '1 day' - interval '1 second') - j.waited)::date
      > j.due_at::date
UNION ALL
SELECT CAST(:day AS date), g.agency_code, '3.3', 'online_needed', NULL, NULL, NULL, NULL, t.needed,
       CASE WHEN days.remaining > 0 THEN round(t.needed::numeric / days.remaining, 2) END,
       g.max_points - coalesce(g.points, 0)
FROM gain AS g
CROSS JOIN days
CROSS JOIN LATERAL (
    SELECT greatest(0, ceil(0.5 * (g.d + g.d * days.remaining / greatest(days.elapsed, 1)))
                       - g.n)::integer AS needed
) AS t
WHERE g.component_code = '3.3' AND g.d > 0 AND g.points < g.max_points
UNION ALL
SELECT CAST(:day AS date), v.agency_code, '3.1', 'no_online_service', NULL, v.procedure_code,
       v.procedure_name, NULL, NULL, NULL, g.one_more
FROM services_766 AS v
JOIN gain AS g ON g.agency_code = v.agency_code AND g.component_code = '3.1'
WHERE v.online_level = 2
UNION ALL
SELECT CAST(:day AS date), v.agency_code, '3.2', 'online_service_unused', NULL, v.procedure_code,
       v.procedure_name, NULL, NULL, NULL, g.one_more
FROM services_766 AS v
JOIN gain AS g ON g.agency_code = v.agency_code AND g.component_code = '3.2'
WHERE v.online_level IN (3, 4) AND NOT v.used_online
UNION ALL
SELECT CAST(:day AS date), r.agency_code, '3.6', 'not_paid_online', r.dossier_code, r.procedure_code,
       r.procedure_name, NULL, NULL, NULL, round(6.0 / g.d, 4)
FROM received_766 AS r
JOIN gain AS g ON g.agency_code = r.agency_code AND g.component_code = '3.6'
WHERE r.has_fee AND r.online_payment IS DISTINCT FROM 0
  AND r.online_payment IS DISTINCT FROM 1 AND r.online_payment IS DISTINCT FROM 2;
