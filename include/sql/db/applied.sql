SELECT version, checksum FROM public.portal_kpi_migration;
