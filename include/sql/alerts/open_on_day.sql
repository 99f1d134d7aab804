-- Breaches that were open on run day :day and opened on an earlier run day (the day's
-- digest; a breach opened on :day was announced by its own message).
SELECT a.alert_id, a.kpi, a.agency_code, a.period_grain, a.severity, a.opened_period,
       a.opened_value, a.target, a.comparator, a.last_period, a.last_value, a.opened_day
FROM kpi.alert AS a
WHERE a.opened_day < :day
  AND (a.closed_day IS NULL OR a.closed_day > :day)
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         a.kpi, a.agency_code, a.period_grain;
