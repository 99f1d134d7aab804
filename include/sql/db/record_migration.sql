INSERT INTO public.portal_kpi_migration (version, name, checksum) VALUES (:v, :n, :c);
