-- One publish at a time (runs of overlapping days touch the same dossiers); released
-- when the publishing transaction ends.
SELECT pg_advisory_xact_lock(hashtext('portal_kpi.publish'));
