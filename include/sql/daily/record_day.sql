-- A loaded business day (the latest one is the warehouse's watermark).
INSERT INTO core.load_day (business_day, batches, versions_seen)
VALUES (:d, :b, :n)
ON CONFLICT (business_day) DO UPDATE
SET batches = EXCLUDED.batches, versions_seen = EXCLUDED.versions_seen, loaded_at = now();
