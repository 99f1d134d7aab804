-- Open quarantined dossier versions that failed only a catalogue lookup (each record once).
SELECT DISTINCT ON (record) batch_id, seq, record FROM quality.quarantine
WHERE status = 'open' AND entity = 'dossier' AND catalogue_only
ORDER BY record, batch_id, seq;
