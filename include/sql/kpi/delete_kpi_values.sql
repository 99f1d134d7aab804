DELETE FROM kpi.kpi_value
WHERE kpi = ANY (CAST(:kpis AS text[]))
  AND ((period_grain = 'day' AND period_start BETWEEN :from_day AND :to_day)
       OR (period_grain = 'month'
           AND period_start BETWEEN date_trunc('month', CAST(:from_day AS date))::date AND :to_day))
  AND (CAST(:agencies AS text[]) IS NULL OR agency_code = ANY (CAST(:agencies AS text[]))
       OR agency_code = :province);
