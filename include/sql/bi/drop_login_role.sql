-- Statements that remove the BI login :role from this database and then from the cluster.
SELECT stmt FROM (
    SELECT 1 AS step, format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), CAST(:role AS text)) AS stmt
    WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role)
    UNION ALL
    SELECT 2, format('DROP OWNED BY %I', CAST(:role AS text))
    WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role)
    UNION ALL
    SELECT 3, format('DROP ROLE IF EXISTS %I', CAST(:role AS text))
) AS s
ORDER BY step;
