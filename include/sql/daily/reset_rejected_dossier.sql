-- Validating a batch again starts from no rejected rows.
UPDATE staging.dossier SET rejected = false WHERE batch_id = :b AND rejected;
