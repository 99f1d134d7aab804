-- An earlier try of the same pull, with its archived pages (ON DELETE CASCADE).
DELETE FROM raw.batch WHERE batch_id = :b;
