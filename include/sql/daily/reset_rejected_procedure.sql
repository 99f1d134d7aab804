-- Validating a batch again starts from no rejected rows.
UPDATE staging.procedure SET rejected = false WHERE batch_id = :b AND rejected;
