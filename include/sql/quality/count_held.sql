-- How many staged versions of a batch are already held (published under the same key).
SELECT count(*)
FROM staging.dossier AS s
WHERE s.batch_id = :b
  AND EXISTS (
      SELECT 1 FROM core.dossier_version AS v
      WHERE v.dossier_code = s."MaHoSo"
        AND to_char(v.updated_at, 'YYYYMMDDHH24MISS') = s."NgayCapNhat"
  );
