-- Agencies in scope on :day whose internal audit or management review still counts but
-- stops counting within :horizon days (the expiry day is the first day it fails).
SELECT c.agency_code, c.agency_name, 'internal_audit_12m' AS rule,
       c.audit_expires_on AS expires_on, r.internal_audit_on AS last_done_on
FROM kpi.iso9001_compliance AS c
JOIN core.iso9001_register AS r
    ON r.agency_code = c.agency_code AND r.valid_from = c.register_valid_from
WHERE c.day = :day AND c.internal_audit_12m
  AND c.audit_expires_on <= CAST(:day AS date) + CAST(:horizon AS integer)
UNION ALL
SELECT c.agency_code, c.agency_name, 'management_review_12m',
       c.review_expires_on, r.management_review_on
FROM kpi.iso9001_compliance AS c
JOIN core.iso9001_register AS r
    ON r.agency_code = c.agency_code AND r.valid_from = c.register_valid_from
WHERE c.day = :day AND c.management_review_12m
  AND c.review_expires_on <= CAST(:day AS date) + CAST(:horizon AS integer)
ORDER BY 1, 3;
