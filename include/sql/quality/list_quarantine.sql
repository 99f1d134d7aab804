-- Quarantined rows for people: open ones by default, or every status.
SELECT id, entity, record_key, version_at, rules, status, batch_id, quarantined_at, checks,
       resolved_at, resolved_by, resolution
FROM quality.quarantine
WHERE (:all OR status = 'open')
ORDER BY id
LIMIT :n;
