-- Active recipients of the daily digest, with their agency and KPI filters.
SELECT r.recipient_id, r.name, r.channel, r.agency_code, r.kpi
FROM ops.recipient AS r
WHERE r.active AND (r.kinds IS NULL OR :kind = ANY (r.kinds))
ORDER BY r.recipient_id;
