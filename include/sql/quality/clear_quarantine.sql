-- Validating a batch again replaces its open quarantined rows; rows already closed
-- (published later, superseded, resolved by a person) stay as history.
DELETE FROM quality.quarantine WHERE batch_id = :b AND status = 'open';
