-- Active recipients with their limits (agencies, level, kinds), for the run's composer.
SELECT r.recipient_id, r.name, r.channel, r.address, r.agency_codes, r.agency_level, r.kinds
FROM ops.recipient AS r
WHERE r.active
ORDER BY r.recipient_id;
