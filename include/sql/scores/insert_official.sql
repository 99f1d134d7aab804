-- Components our data cannot support, from the latest published official score: the same
-- period type if one is published, else the latest month; metric rows of shape A, and 3.4 /
-- 3.5 recomputed from the payment tree's counters. A component with nothing published is
-- kept with source 'missing' and no points, so groups say they are incomplete.
INSERT INTO kpi.score_766
    (as_of, period_type, period_start, period_end, agency_code, row_kind, group_code,
     component_code, numerator, denominator, ratio, points, max_points, threshold,
     provisional, source, official_period_start)
WITH agencies AS (
    SELECT DISTINCT agency_code FROM kpi.score_766
    WHERE as_of = :day AND period_type = :ptype
),
latest AS (
    SELECT coalesce(
        (SELECT max(period_start) FROM kpi.official_score
         WHERE period_type = :ptype AND period_end < CAST(:day AS date)),
        (SELECT max(period_start) FROM kpi.official_score
         WHERE period_type = 'month' AND period_end < CAST(:day AS date))) AS period_start,
        CASE WHEN EXISTS (SELECT 1 FROM kpi.official_score
                          WHERE period_type = :ptype AND period_end < CAST(:day AS date))
             THEN CAST(:ptype AS text) ELSE 'month' END AS period_type
),
published AS (
    SELECT o.department_code AS agency_code, c.component_code, o.numerator, o.denominator,
           o.ratio, o.score, o.period_start
    FROM kpi.official_score AS o
    JOIN latest AS l ON l.period_start = o.period_start AND l.period_type = o.period_type
    JOIN kpi.score_766_component AS c ON c.portal_code = o.metric_code AND NOT c.local
    WHERE o.department_code IS NOT NULL
    UNION ALL
    SELECT o.department_code, c.component_code, x.n, x.d, kpi.ratio_766(x.n, x.d),
           kpi.points_766(x.n, x.d, c.max_points, c.threshold, c.empty_rule, c.from_ratio),
           o.period_start
    FROM kpi.official_counter AS o
    JOIN latest AS l ON l.period_start = o.period_start AND l.period_type = o.period_type
    CROSS JOIN LATERAL (VALUES
        ('3.4', o.fee_dossier_formalities, o.fee_formalities),
        ('3.5', o.online_payment_formalities, o.fee_formalities)) AS x (code, n, d)
    JOIN kpi.score_766_component AS c ON c.component_code = x.code
    WHERE o.group_code = 'formality-online-payment-tree' AND o.department_code IS NOT NULL
)
SELECT CAST(:day AS date), :ptype, CAST(:ps AS date), CAST(:pe AS date), a.agency_code,
       'component', c.group_code, c.component_code, p.numerator, p.denominator, p.ratio,
       p.score, c.max_points, 100 * coalesce(c.threshold, 1), true,
       CASE WHEN p.component_code IS NULL THEN 'missing' ELSE 'official' END, p.period_start
FROM agencies AS a
CROSS JOIN kpi.score_766_component AS c
LEFT JOIN published AS p ON p.agency_code = a.agency_code AND p.component_code = c.component_code
WHERE NOT c.local;
