-- A pull whose pages all arrived, with what the scrub dropped or cleaned.
UPDATE raw.batch
SET pages = :p, records = :r, finished_at = now(), dropped_fields = CAST(:x AS jsonb)
WHERE batch_id = :b;
