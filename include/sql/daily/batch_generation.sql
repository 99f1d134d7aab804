-- The pull a batch's staged rows belong to now.
SELECT generation FROM raw.batch WHERE batch_id = :b;
