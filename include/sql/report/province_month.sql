-- The province's KPIs for the latest month (month to date), against target.
SELECT v.kpi, v.period_start, v.as_of, v.numerator, v.denominator, v.value, v.target,
       v.comparator, v.meets_target
FROM kpi.kpi_value AS v
WHERE v.period_grain = 'month'
  AND v.agency_code = :province
  AND v.period_start = (SELECT max(period_start) FROM kpi.kpi_value
                        WHERE period_grain = 'month' AND agency_code = :province)
ORDER BY v.kpi;
