-- A pull whose pages all arrived.
UPDATE raw.batch SET pages = :p, records = :r, finished_at = now() WHERE batch_id = :b;
