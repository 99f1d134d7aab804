-- Quarantine rows requeued into a new batch are superseded by it.
UPDATE quality.quarantine
SET status = 'superseded', resolved_at = now(), resolved_by = :b
WHERE status = 'open' AND entity = 'dossier' AND catalogue_only AND batch_id <> :b;
