-- Keep a received register version (keyed by the sha256 of its bytes). The same bytes
-- received again after another version become the current version once more.
INSERT INTO raw.iso9001_file (
    sha256, source, file_name, file_format, content, size_bytes,
    first_received_at, received_at, register_day, last_checked_at, load_status, load_error
)
VALUES (
    :sha, :source, :file_name, :file_format, :content, :size_bytes,
    :received_at, :received_at, :register_day, :received_at, :load_status, :load_error
)
ON CONFLICT (sha256) DO UPDATE SET
    source = EXCLUDED.source,
    file_name = EXCLUDED.file_name,
    received_at = EXCLUDED.received_at,
    register_day = EXCLUDED.register_day,
    last_checked_at = EXCLUDED.last_checked_at,
    load_status = EXCLUDED.load_status,
    load_error = EXCLUDED.load_error;
