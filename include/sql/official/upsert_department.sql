-- departmentId -> departmentCode and level, from a response that carries the code.
INSERT INTO core.official_department
    (department_id, root_department_id, department_code, department_name, level, is_root,
     last_period_key, updated_at)
VALUES (:department_id, :root, :department_code, :department_name, :level, :is_root,
        :period_key, now())
ON CONFLICT (department_id) DO UPDATE SET
    root_department_id = EXCLUDED.root_department_id,
    department_code = EXCLUDED.department_code,
    department_name = coalesce(EXCLUDED.department_name, core.official_department.department_name),
    level = coalesce(EXCLUDED.level, core.official_department.level),
    is_root = EXCLUDED.is_root,
    last_period_key = EXCLUDED.last_period_key,
    updated_at = now();
