INSERT INTO quality.quarantine (
    batch_id, seq, entity, record_key, version_at, rules, reasons, record, catalogue_only
)
VALUES (:b, :seq, :e, :k, :v, :rules, CAST(:reasons AS jsonb), CAST(:record AS jsonb), :cat);
