-- Daily values of one KPI for one agency over [:first, :last], for the e-mail chart.
SELECT period_start, value, target
FROM kpi.kpi_value
WHERE kpi = :kpi AND agency_code = :agency_code AND period_grain = 'day'
  AND period_start BETWEEN :first AND :last
ORDER BY period_start;
