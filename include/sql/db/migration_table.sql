-- The migration runner's own record of what it applied.
CREATE TABLE IF NOT EXISTS public.portal_kpi_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
