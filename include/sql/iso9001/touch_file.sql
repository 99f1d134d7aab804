-- The source was read again and still holds this version.
UPDATE raw.iso9001_file SET last_checked_at = :checked_at WHERE sha256 = :sha;
