-- The versions a batch has open quarantine rows for (before validating it again).
SELECT record_key, version_at FROM quality.quarantine WHERE batch_id = :b AND status = 'open';
