-- The batch row, locked for the rest of the transaction: a pull of the same batch by
-- another run (daily/forget_batch.sql) waits until this validation or publish commits.
SELECT generation, validated_generation, finished_at IS NOT NULL AS finished
FROM raw.batch
WHERE batch_id = :b
FOR UPDATE;
