-- KPI values one judging rule looks at for the run's period (:period, of grain :grain),
-- with the latest breach of each (kpi, agency, grain). A key with an open breach is walked
-- from the breach's last judged period up to :period (a restated period is judged again);
-- any other key only at :period. Nothing is judged before the latest period a key was
-- judged at (a rerun of an older day changes nothing).
-- :scope is 'province', 'agency' (every code but the province) or one agency code.
WITH latest AS (
    SELECT DISTINCT ON (a.kpi, a.agency_code)
        a.kpi, a.agency_code, a.alert_id, a.status, a.severity, a.opened_period,
        a.opened_value, a.last_period, a.last_value,
        CASE WHEN a.status = 'open' THEN a.last_period ELSE a.closed_period END AS judged_period
    FROM kpi.alert AS a
    WHERE a.period_grain = :grain
    ORDER BY a.kpi, a.agency_code, a.alert_id DESC
)
SELECT
    v.kpi, v.agency_code, v.period_grain, v.period_start, v.as_of, v.numerator,
    v.denominator, v.value, v.target, v.comparator, v.meets_target,
    l.alert_id, l.status AS alert_status, l.severity AS alert_severity,
    l.opened_period AS alert_opened_period, l.opened_value AS alert_opened_value
FROM kpi.kpi_value AS v
LEFT JOIN latest AS l ON l.kpi = v.kpi AND l.agency_code = v.agency_code
WHERE v.period_grain = :grain
  AND v.period_start <= :period
  AND v.period_start >= CASE WHEN l.status = 'open' THEN l.judged_period ELSE :period END
  AND (l.judged_period IS NULL OR l.judged_period <= :period)
  AND CASE CAST(:scope AS text)
          WHEN 'province' THEN v.agency_code = :province
          WHEN 'agency' THEN v.agency_code <> :province
          ELSE v.agency_code = :scope
      END
  AND (CAST(:kpis AS text[]) IS NULL OR v.kpi = ANY (CAST(:kpis AS text[])))
ORDER BY v.kpi, v.agency_code, v.period_start;
