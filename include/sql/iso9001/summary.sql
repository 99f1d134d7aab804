-- Compliance of every agency in scope on :day: failing ones first, departments before communes.
SELECT agency_code, agency_name, agency_level, compliant, failed_rules, reason
FROM kpi.iso9001_compliance
WHERE day = :day
ORDER BY compliant, agency_level = 'COMMUNE', agency_code;
