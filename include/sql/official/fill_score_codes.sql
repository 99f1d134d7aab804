-- Rows published without a departmentCode (transparency) get it from the department map.
UPDATE kpi.official_score AS s
SET department_code = d.department_code,
    department_level = coalesce(s.department_level, d.level)
FROM core.official_department AS d
WHERE s.department_code IS NULL AND s.department_id = d.department_id
  AND s.root_department_id = :root;
