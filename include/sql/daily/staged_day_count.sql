-- Distinct versions of a staged feed batch whose NgayCapNhat falls on a day (YYYYMMDD).
SELECT count(DISTINCT ("MaHoSo", "NgayCapNhat"))
FROM staging.dossier
WHERE batch_id = :b AND left("NgayCapNhat", 8) = :p;
