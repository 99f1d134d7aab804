-- Agencies furthest below target in the latest month: the largest shortfall of a ratio
-- KPI under a ">=" target (online share, on-time rate), one row per agency (real agencies
-- only: the per-level rollups such as H48:COMMUNE are not in kpi.agency).
WITH latest AS (
    SELECT max(period_start) AS month FROM kpi.kpi_value WHERE period_grain = 'month'
),
shortfalls AS (
    SELECT v.agency_code, v.kpi, v.value, v.target, v.numerator, v.denominator,
           v.target - v.value AS shortfall
    FROM kpi.kpi_value AS v, latest
    WHERE v.period_grain = 'month' AND v.period_start = latest.month
      AND v.agency_code <> :province AND v.meets_target = false AND v.comparator = '>='
      AND v.value IS NOT NULL AND v.denominator >= :min_base
)
SELECT DISTINCT ON (s.agency_code) s.agency_code, a.agency_name, s.kpi, s.value, s.target,
       s.numerator, s.denominator, s.shortfall
FROM shortfalls AS s
JOIN kpi.agency AS a USING (agency_code)  -- real agencies only, not the per-level rollups
ORDER BY s.agency_code, s.shortfall DESC;
