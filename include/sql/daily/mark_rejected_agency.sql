-- Rows that failed validation are not published.
UPDATE staging.agency SET rejected = true WHERE batch_id = :b AND seq = ANY(:s);
