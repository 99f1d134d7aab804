-- Loading a version again replaces its quarantined rows.
DELETE FROM quality.quarantine WHERE batch_id = :b;
