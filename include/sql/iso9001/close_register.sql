-- A new version closes the current row of every agency whose row it changes or no longer
-- lists (valid_to = the day before it was received); a row opened the same day by an
-- earlier version is dropped instead. An agency whose row in the new version was
-- quarantined keeps its current row.
WITH incoming AS (
    SELECT DISTINCT ON (p.agency_code) p.*
    FROM staging.iso9001_register_parsed AS p
    WHERE p.sha256 = :sha AND NOT p.rejected
    ORDER BY p.agency_code, p.seq
),
held AS (
    SELECT DISTINCT s."MaDonVi" AS agency_code
    FROM staging.iso9001_register AS s
    WHERE s.sha256 = :sha AND s.rejected AND s."MaDonVi" IS NOT NULL
),
changed AS (
    SELECT r.agency_code, r.valid_from
    FROM core.iso9001_register AS r
    LEFT JOIN incoming AS i ON i.agency_code = r.agency_code
    WHERE r.valid_to IS NULL
      AND NOT EXISTS (SELECT 1 FROM held AS h WHERE h.agency_code = r.agency_code)
      AND (
          i.agency_code IS NULL
          OR (r.agency_name, r.decision_no, r.declared_on, r.standard, r.standard_year,
              r.procedures_covered, r.procedures_total, r.internal_audit_on,
              r.management_review_on, r.docs_updated_on, r.inspected_on, r.inspection_result)
             IS DISTINCT FROM
             (i.agency_name, i.decision_no, i.declared_on, i.standard, i.standard_year,
              i.procedures_covered, i.procedures_total, i.internal_audit_on,
              i.management_review_on, i.docs_updated_on, i.inspected_on, i.inspection_result)
      )
),
dropped AS (
    DELETE FROM core.iso9001_register AS r
    USING changed AS c
    WHERE r.agency_code = c.agency_code AND r.valid_from = c.valid_from
      AND r.valid_from >= CAST(:day AS date)
    RETURNING r.agency_code
)
UPDATE core.iso9001_register AS r
SET valid_to = CAST(:day AS date) - 1
FROM changed AS c
WHERE r.agency_code = c.agency_code AND r.valid_from = c.valid_from
  AND r.valid_from < CAST(:day AS date);
