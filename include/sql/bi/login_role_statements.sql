-- DDL that makes :role a login for BI tools: it logs in with :password, belongs to bi_reader
-- and to no other role, may CONNECT to this database and has no explicit CONNECT elsewhere.
-- Returns the statements (role names and passwords quoted by format()); the caller runs them.
SELECT stmt FROM (
    SELECT 1 AS step,
           format(CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role)
                       THEN 'ALTER ROLE %I WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L'
                       ELSE 'CREATE ROLE %I WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L'
                  END, CAST(:role AS text), CAST(:password AS text)) AS stmt
    UNION ALL
    SELECT 2, format('REVOKE %I FROM %I', r.rolname, CAST(:role AS text))
    FROM pg_auth_members AS m
    JOIN pg_roles AS r ON r.oid = m.roleid
    JOIN pg_roles AS u ON u.oid = m.member
    WHERE u.rolname = :role AND r.rolname <> 'bi_reader'
    UNION ALL
    SELECT 3, format('GRANT bi_reader TO %I', CAST(:role AS text))
    UNION ALL
    SELECT 4, format('REVOKE CONNECT ON DATABASE %I FROM %I', d.datname, CAST(:role AS text))
    FROM pg_database AS d
    WHERE d.datname <> current_database() AND NOT d.datistemplate
      AND has_database_privilege(current_user, d.oid, 'CREATE')
      -- only where the role holds an explicit grant: no statement touches other databases
      -- (on a shared server they may be dropped meanwhile: "tuple concurrently deleted")
      AND EXISTS (SELECT 1 FROM aclexplode(d.datacl) AS acl
                  JOIN pg_roles AS g ON g.oid = acl.grantee
                  WHERE g.rolname = :role AND acl.privilege_type = 'CONNECT')
    UNION ALL
    SELECT 5, format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), CAST(:role AS text))
) AS s
ORDER BY step;
