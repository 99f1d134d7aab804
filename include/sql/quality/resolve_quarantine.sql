-- A quarantined dossier is resolved once a valid version as new as, or newer than, the
-- rejected one has been published (a malformed NgayCapNhat is resolved by any version).
UPDATE quality.quarantine AS q
SET status = 'published_later', resolved_at = now(), resolved_by = :b
WHERE q.status = 'open'
  AND q.entity = 'dossier'
  AND EXISTS (
      SELECT 1
      FROM core.dossier_version AS v
      WHERE v.dossier_code = q.record_key
        AND (q.version_at IS NULL
             OR q.version_at !~ '^[0-9]{14}$'
             OR to_char(v.updated_at, 'YYYYMMDDHH24MISS') >= q.version_at)
  );
