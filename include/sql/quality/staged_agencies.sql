-- A staged agency catalogue; a row identical to one of the last published agency batch
-- is held (nothing new to validate or publish).
WITH previous AS (
    SELECT b.batch_id FROM raw.batch AS b
    WHERE b.source = 'agencies' AND b.published_at IS NOT NULL AND b.batch_id <> :b
    ORDER BY b.published_at DESC LIMIT 1
)
SELECT s.seq, s."MaDonVi", s."TenDonVi", s."Cap", s."MaDonViCha", s."HieuLucTu", s."HieuLucDen",
       s.scrub_notes,
       EXISTS (
           SELECT 1 FROM staging.agency AS p JOIN previous USING (batch_id)
           WHERE NOT p.rejected
             AND (p."MaDonVi", p."TenDonVi", p."Cap", p."MaDonViCha", p."HieuLucTu", p."HieuLucDen")
                 IS NOT DISTINCT FROM
                 (s."MaDonVi", s."TenDonVi", s."Cap", s."MaDonViCha", s."HieuLucTu", s."HieuLucDen")
       ) AS held
FROM staging.agency AS s
WHERE s.batch_id = :b
ORDER BY s.seq;
