-- Dossiers received in [:ps, :day] with their catalogue procedure (the catalogue on :day;
-- a MaTTHC suffixed with an agency code is matched without the suffix).
CREATE TEMP TABLE received_766 ON COMMIT DROP AS
SELECT d.dossier_code, d.agency_code, d.procedure_code AS dossier_procedure_code,
       coalesce(p.code, d.procedure_code) AS procedure_code,
       coalesce(p.name, d.procedure_name) AS procedure_name,
       d.channel, d.online_payment, coalesce(d.has_digitised, false) AS has_digitised,
       coalesce(p.has_fee, false) AS has_fee, p.online_level
FROM core.dossier AS d
LEFT JOIN core.procedure AS p
  ON p.code = regexp_replace(d.procedure_code, '\.H[0-9]+(\.[0-9]+)?$', '')
 AND p.valid_from <= CAST(:day AS date)
 AND (p.valid_to IS NULL OR p.valid_to >= CAST(:day AS date))
WHERE d.received_at >= CAST(:ps AS date)
  AND d.received_at < CAST(:day AS date) + 1
  AND d.status NOT IN (1, 3);
