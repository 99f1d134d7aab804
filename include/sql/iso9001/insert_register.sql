-- Open a row, valid from the day received, for every valid row of the version whose
-- agency has no current row (new in the register, or just closed by close_register.sql).
INSERT INTO core.iso9001_register (
    agency_code, valid_from, valid_to, agency_name, decision_no, declared_on, standard,
    standard_year, procedures_covered, procedures_total, internal_audit_on,
    management_review_on, docs_updated_on, inspected_on, inspection_result, sha256, row_no
)
SELECT DISTINCT ON (p.agency_code)
    p.agency_code, CAST(:day AS date), NULL, p.agency_name, p.decision_no, p.declared_on,
    p.standard, p.standard_year, p.procedures_covered, p.procedures_total,
    p.internal_audit_on, p.management_review_on, p.docs_updated_on, p.inspected_on,
    p.inspection_result, p.sha256, p.seq
FROM staging.iso9001_register_parsed AS p
WHERE p.sha256 = :sha AND NOT p.rejected
  AND NOT EXISTS (
      SELECT 1 FROM core.iso9001_register AS r
      WHERE r.agency_code = p.agency_code AND r.valid_to IS NULL
  )
ORDER BY p.agency_code, p.seq;
