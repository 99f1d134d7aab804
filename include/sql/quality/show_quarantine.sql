-- One quarantined row with its rules, reasons and (hashed) record.
SELECT id, entity, record_key, version_at, rules, reasons, record, status, batch_id, seq,
       catalogue_only, quarantined_at, checked_at, checks, resolved_at, resolved_by, resolution
FROM quality.quarantine
WHERE id = :id;
