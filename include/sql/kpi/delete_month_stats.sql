DELETE FROM kpi.dossier_stats
WHERE period_grain = 'month'
  AND period_start BETWEEN date_trunc('month', CAST(:from_day AS date))::date AND :to_day
  AND agency_code <> :province
  AND (CAST(:agencies AS text[]) IS NULL OR agency_code = ANY (CAST(:agencies AS text[])));
