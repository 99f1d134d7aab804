-- Rows that failed validation are not published.
UPDATE staging.dossier SET rejected = true WHERE batch_id = :b AND seq = ANY(:s);
