-- The version received last (what an unchanged source is compared with).
SELECT sha256, register_day, load_status, load_error, rows_in, rows_loaded, rows_quarantined
FROM raw.iso9001_file
ORDER BY received_at DESC, sha256
LIMIT 1;
