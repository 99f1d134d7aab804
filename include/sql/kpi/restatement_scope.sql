-- What the published batches changed: the earliest NgayTiepNhan over every version of the
-- touched dossiers (old and new), and every agency any of those versions named.
WITH touched AS (
    SELECT DISTINCT s."MaHoSo" AS code
    FROM staging.dossier AS s
    WHERE s.batch_id = ANY (CAST(:batch_ids AS text[])) AND NOT s.rejected
)
SELECT min(v.received_at)::date AS from_day,
       array_agg(DISTINCT v.agency_code) AS agencies,
       count(DISTINCT v.dossier_code) AS dossiers
FROM core.dossier_version AS v
JOIN touched ON touched.code = v.dossier_code
WHERE v.received_at IS NOT NULL;
