-- A staged procedure catalogue; a row identical to one of the last published procedure
-- batch is held (nothing new to validate or publish).
WITH previous AS (
    SELECT b.batch_id FROM raw.batch AS b
    WHERE b.source = 'procedures' AND b.published_at IS NOT NULL AND b.batch_id <> :b
    ORDER BY b.published_at DESC LIMIT 1
)
SELECT s.seq, s."MaTTHC", s."TenTTHC", s."MaLinhVuc", s."TenLinhVuc", s."MucDo",
       s."CoQuanThucHien"::text AS "CoQuanThucHien", s."CoPhiLePhi", s."CapNhatLuc",
       s."HieuLucTu", s."HieuLucDen",
       s.scrub_notes,
       EXISTS (
           SELECT 1 FROM staging.procedure AS p JOIN previous USING (batch_id)
           WHERE NOT p.rejected
             AND (p."MaTTHC", p."TenTTHC", p."MaLinhVuc", p."TenLinhVuc", p."MucDo",
                  p."CoQuanThucHien", p."CoPhiLePhi", p."CapNhatLuc", p."HieuLucTu", p."HieuLucDen")
                 IS NOT DISTINCT FROM
                 (s."MaTTHC", s."TenTTHC", s."MaLinhVuc", s."TenLinhVuc", s."MucDo",
                  s."CoQuanThucHien", s."CoPhiLePhi", s."CapNhatLuc", s."HieuLucTu", s."HieuLucDen")
       ) AS held
FROM staging.procedure AS s
WHERE s.batch_id = :b
ORDER BY s.seq;
