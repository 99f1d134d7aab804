-- A staged dossier batch for validation: only the fields the rules read (empty strings
-- as NULL), a digest of the whole record to fold exact copies, and the row-shape facts
-- PostgreSQL answers cheaply (digits-only dates, the national part of MaTTHC, whether
-- the list fields are JSON arrays). Versions already held are left out. Part :p of :k
-- (0 of 1: the whole batch): every version of one MaHoSo falls in the same part.
SELECT
    seq,
    md5(concat_ws(chr(31), "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "MaDonVi",
        "DonViXuLy", "KenhThucHien", "MucDo", "LoaiDoiTuong", "ChuHoSo", "SoGiayToChuHoSo",
        "SoDienThoai", "Email", "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy",
        "NgayTra", "NgayTuChoi", "TrangThaiHoSo", "HinhThuc", "DuocThanhToanTrucTuyen",
        "HoSoCoThanhPhanSoHoa", "DanhSachHoSoBoSung"::text, "DanhSachXinLoi"::text,
        "NgayCapNhat")) AS digest,
    nullif("MaHoSo", '') AS "MaHoSo",
    nullif("NgayCapNhat", '') AS "NgayCapNhat",
    nullif("MaTTHC", '') AS "MaTTHC",
    nullif("MaDonVi", '') AS "MaDonVi",
    nullif("TrangThaiHoSo", '') AS "TrangThaiHoSo",
    nullif("KenhThucHien", '') AS "KenhThucHien",
    nullif("MucDo", '') AS "MucDo",
    nullif("LoaiDoiTuong", '') AS "LoaiDoiTuong",
    nullif("HinhThuc", '') AS "HinhThuc",
    nullif("DuocThanhToanTrucTuyen", '') AS "DuocThanhToanTrucTuyen",
    nullif("HoSoCoThanhPhanSoHoa", '') AS "HoSoCoThanhPhanSoHoa",
    nullif("NgayNopHoSo", '') AS "NgayNopHoSo",
    nullif("NgayTiepNhan", '') AS "NgayTiepNhan",
    nullif("NgayKetThucXuLy", '') AS "NgayKetThucXuLy",
    nullif("NgayTra", '') AS "NgayTra",
    nullif("NgayTuChoi", '') AS "NgayTuChoi",
    nullif("NgayHenTra", '') AS "NgayHenTra",
    coalesce("NgayNopHoSo" ~ '^[0-9]{14}$', false) AS "NgayNopHoSo__shaped",
    coalesce("NgayTiepNhan" ~ '^[0-9]{14}$', false) AS "NgayTiepNhan__shaped",
    coalesce("NgayKetThucXuLy" ~ '^[0-9]{14}$', false) AS "NgayKetThucXuLy__shaped",
    coalesce("NgayTra" ~ '^[0-9]{14}$', false) AS "NgayTra__shaped",
    coalesce("NgayTuChoi" ~ '^[0-9]{14}$', false) AS "NgayTuChoi__shaped",
    coalesce("NgayCapNhat" ~ '^[0-9]{14}$', false) AS "NgayCapNhat__shaped",
    coalesce("NgayHenTra" ~ '^[0-9]{14}$', false) AS "NgayHenTra__shaped",
    substring("MaTTHC" FROM '^[0-9]\.[0-9]{6}') AS "MaTTHC__national",
    coalesce(jsonb_typeof("DanhSachHoSoBoSung"), 'array') = 'array'
        AND coalesce(jsonb_typeof("DanhSachXinLoi"), 'array') = 'array' AS lists_are_lists,
    -- the functions only where they can find something: most lists are empty, most
    -- rows have no notes (a call per row is most of this query's time in a bulk window)
    nullif(concat_ws(',',
        CASE WHEN jsonb_typeof("DanhSachHoSoBoSung") = 'array'
                  AND jsonb_array_length("DanhSachHoSoBoSung") > 0
             THEN core.bad_item_dates("DanhSachHoSoBoSung", 'DanhSachHoSoBoSung') END,
        CASE WHEN jsonb_typeof("DanhSachXinLoi") = 'array'
                  AND jsonb_array_length("DanhSachXinLoi") > 0
             THEN core.bad_item_dates("DanhSachXinLoi", 'DanhSachXinLoi') END), '')
        AS bad_item_dates,
    CASE WHEN scrub_notes IS NOT NULL THEN core.note_fields(scrub_notes, 'text_size') END
        AS bad_text_size,
    CASE WHEN scrub_notes IS NOT NULL THEN core.note_fields(scrub_notes, 'value_shape') END
        AS bad_value_shape,
    CASE WHEN scrub_notes IS NOT NULL THEN core.note_fields(scrub_notes, 'item_object') END
        AS bad_item_object,
    coalesce(scrub_notes, '') !~ 'record_object' AS is_object,
    false AS held
FROM staging.dossier AS s
WHERE s.batch_id = :b
  AND (CAST(:k AS integer) = 1
       OR mod(abs(hashtext(coalesce(s."MaHoSo", ''))::bigint), CAST(:k AS integer)) = :p)
  -- a version already published is held: skipped by its key (MaHoSo, NgayCapNhat)
  AND NOT EXISTS (
      SELECT 1 FROM core.dossier_version AS v
      WHERE v.dossier_code = s."MaHoSo"
        AND to_char(v.updated_at, 'YYYYMMDDHH24MISS') = s."NgayCapNhat"
  )
ORDER BY s.seq;
