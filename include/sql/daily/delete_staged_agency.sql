-- A rerun of the same pull replaces what an earlier try staged.
DELETE FROM staging.agency WHERE batch_id = :b;
