-- A person closes an open quarantined row; it stays in the table as history.
UPDATE quality.quarantine
SET status = 'resolved', resolved_at = now(), resolved_by = :who, resolution = :reason
WHERE id = :id AND status = 'open'
RETURNING id;
