DELETE FROM kpi.dossier_stats
WHERE agency_code = :province
  AND ((period_grain = 'day' AND period_start BETWEEN :from_day AND :to_day)
       OR (period_grain = 'month'
           AND period_start BETWEEN date_trunc('month', CAST(:from_day AS date))::date AND :to_day));
