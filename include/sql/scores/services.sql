-- The procedures each agency handles on :day (catalogue CoQuanThucHien), with whether it
-- received an online dossier in [:ps, :day].
CREATE TEMP TABLE services_766 ON COMMIT DROP AS
SELECT p.code AS procedure_code, p.name AS procedure_name, p.online_level, p.has_fee,
       a.agency_code,
       EXISTS (SELECT 1 FROM received_766 AS r
               WHERE r.procedure_code = p.code AND r.agency_code = a.agency_code
                 AND r.channel = 2) AS used_online
FROM core.procedure AS p
CROSS JOIN LATERAL unnest(p.agencies) AS a (agency_code)
WHERE p.valid_from <= CAST(:day AS date)
  AND (p.valid_to IS NULL OR p.valid_to >= CAST(:day AS date));
