-- How many versions a staged dossier batch holds.
SELECT count(*)
FROM staging.dossier
WHERE batch_id = :b;
