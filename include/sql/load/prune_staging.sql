-- Staged rows of batches published more than :keep_days days before :day are no longer
-- needed (the raw archive keeps every page); the quarantine keeps its own copy.
WITH old AS (
    SELECT batch_id FROM raw.batch
    WHERE published_at IS NOT NULL AND business_day < CAST(:day AS date) - :keep_days
),
d1 AS (DELETE FROM staging.dossier WHERE batch_id IN (SELECT batch_id FROM old) RETURNING 1),
d2 AS (DELETE FROM staging.agency WHERE batch_id IN (SELECT batch_id FROM old) RETURNING 1),
d3 AS (DELETE FROM staging.procedure WHERE batch_id IN (SELECT batch_id FROM old) RETURNING 1)
SELECT (SELECT count(*) FROM d1) + (SELECT count(*) FROM d2) + (SELECT count(*) FROM d3);
