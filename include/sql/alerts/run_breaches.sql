-- The breaches a run of :day reports: opened by that day's run (new), closed by it
-- (recovered), and open on it having opened earlier (open), with the figures (value, n/N)
-- of the period shown: the latest judged period, or the period that met target again.
WITH picked AS (
    SELECT CASE WHEN a.closed_day = :day THEN 'recovered'
                WHEN a.opened_day = :day THEN 'new'
                ELSE 'open' END AS section,
           a.*
    FROM kpi.alert AS a
    WHERE a.closed_day = :day
       OR (a.opened_day <= :day AND (a.closed_day IS NULL OR a.closed_day > :day))
)
SELECT p.section, p.alert_id, p.kpi, p.agency_code, p.period_grain, p.opened_period,
       p.severity, p.target, p.comparator,
       CASE WHEN p.section = 'recovered' THEN p.closed_period ELSE p.last_period END AS period,
       CASE WHEN p.section = 'recovered' THEN p.closed_value ELSE p.last_value END AS value,
       v.numerator, v.denominator
FROM picked AS p
LEFT JOIN kpi.kpi_value AS v
       ON v.kpi = p.kpi AND v.agency_code = p.agency_code AND v.period_grain = p.period_grain
      AND v.period_start = CASE WHEN p.section = 'recovered' THEN p.closed_period
                                ELSE p.last_period END
ORDER BY p.alert_id;
