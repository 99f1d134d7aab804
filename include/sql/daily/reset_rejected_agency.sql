-- Validating a batch again starts from no rejected rows.
UPDATE staging.agency SET rejected = false WHERE batch_id = :b AND rejected;
