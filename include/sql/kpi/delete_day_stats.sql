-- Day rows about to be restated: agencies in scope (NULL = every agency), never the province.
DELETE FROM kpi.dossier_stats
WHERE period_grain = 'day'
  AND period_start BETWEEN :from_day AND :to_day
  AND agency_code <> :province
  AND (CAST(:agencies AS text[]) IS NULL OR agency_code = ANY (CAST(:agencies AS text[])));
