-- Open catalogue-only rows were checked again: they stay one open row each.
UPDATE quality.quarantine
SET checked_at = now(), checks = checks + 1
WHERE status = 'open' AND entity = 'dossier' AND catalogue_only;
