-- Open quarantined dossier versions that failed only a catalogue lookup.
SELECT batch_id, seq, record FROM quality.quarantine
WHERE status = 'open' AND entity = 'dossier' AND catalogue_only
ORDER BY batch_id, seq;
