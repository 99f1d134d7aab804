-- iso9001_compliant_share = compliant agencies / agencies in scope, for the province
-- (agency_code = the province code) and per agency level (H48:PROVINCE, H48:COMMUNE),
-- for each day of [:first, :last] and each month it touches. A month row is the month's
-- latest computed day (its last day, or the latest day so far for the current month).
-- The target is the most specific kpi.target row valid on the day judged.
WITH per_day AS (
    SELECT
        c.day,
        CASE WHEN GROUPING(c.agency_level) = 1 THEN CAST(:province AS text)
             ELSE CAST(:province AS text) || ':' || c.agency_level END AS agency_code,
        CASE WHEN GROUPING(c.agency_level) = 1 THEN NULL ELSE c.agency_level END AS agency_level,
        count(*) FILTER (WHERE c.compliant) AS numerator,
        count(*) AS denominator
    FROM kpi.iso9001_compliance AS c
    WHERE c.day BETWEEN date_trunc('month', CAST(:first AS date))::date
                    AND (date_trunc('month', CAST(:last AS date)) + interval '1 month - 1 day')::date
    GROUP BY GROUPING SETS ((c.day), (c.day, c.agency_level))
),
month_end AS (
    SELECT date_trunc('month', day)::date AS period_start, max(day) AS as_of
    FROM per_day
    GROUP BY 1
),
rows_ AS (
    SELECT 'day' AS period_grain, p.day AS period_start, p.*
    FROM per_day AS p
    WHERE p.day BETWEEN :first AND :last
    UNION ALL
    SELECT 'month', m.period_start, p.*
    FROM month_end AS m
    JOIN per_day AS p ON p.day = m.as_of
    WHERE m.period_start BETWEEN date_trunc('month', CAST(:first AS date))::date
                             AND date_trunc('month', CAST(:last AS date))::date
)
INSERT INTO kpi.kpi_value (
    kpi, period_grain, period_start, agency_code, as_of, numerator, denominator, value,
    target, comparator, meets_target
)
SELECT
    'iso9001_compliant_share', r.period_grain, r.period_start, r.agency_code, r.day,
    r.numerator, r.denominator,
    CASE WHEN r.denominator > 0 THEN round(r.numerator::numeric / r.denominator, 6) END,
    t.target, t.comparator,
    CASE
        WHEN r.denominator = 0 OR t.target IS NULL THEN NULL
        WHEN t.comparator = '>=' THEN r.numerator::numeric / r.denominator >= t.target
        WHEN t.comparator = '<=' THEN r.numerator::numeric / r.denominator <= t.target
        ELSE r.numerator::numeric / r.denominator = t.target
    END
FROM rows_ AS r
LEFT JOIN LATERAL (
    SELECT k.target, k.comparator
    FROM kpi.target AS k
    WHERE k.kpi = 'iso9001_compliant_share'
      AND k.valid_from <= r.day AND (k.valid_to IS NULL OR k.valid_to >= r.day)
      AND (k.agency_code IS NULL OR k.agency_code = r.agency_code)
      AND (k.agency_level IS NULL OR k.agency_level = r.agency_level)
    ORDER BY (k.agency_code IS NOT NULL) DESC, (k.agency_level IS NOT NULL) DESC,
             k.valid_from DESC, k.target_id DESC
    LIMIT 1
) AS t ON true;
