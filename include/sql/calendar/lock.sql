-- One calendar rebuild at a time (held to the end of the transaction): a second run
-- waits, then deletes and rewrites what the first one wrote instead of colliding with it.
SELECT pg_advisory_xact_lock(hashtext('portal_kpi.calendar'));
