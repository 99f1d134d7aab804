-- Counters published without a departmentCode get it from the department map.
UPDATE kpi.official_counter AS c
SET department_code = d.department_code,
    department_level = coalesce(c.department_level, d.level)
FROM core.official_department AS d
WHERE c.department_code IS NULL AND c.department_id = d.department_id
  AND c.root_department_id = :root;
