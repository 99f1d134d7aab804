-- The province this database holds: the first migrate run claims it; later ones keep it.
INSERT INTO kpi.province (code, name) VALUES (:code, :province_name)
ON CONFLICT (one_row) DO UPDATE SET name = EXCLUDED.name
    WHERE kpi.province.code = EXCLUDED.code
RETURNING code;
