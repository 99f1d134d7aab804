-- Row counts of a loaded version.
UPDATE raw.iso9001_file
SET rows_in = :rows_in, rows_loaded = :rows_loaded, rows_quarantined = :rows_quarantined
WHERE sha256 = :sha;
