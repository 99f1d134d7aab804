-- Publish the valid rows of one staged batch as dossier versions.
-- A version is identified by (MaHoSo, NgayCapNhat); copies of it are kept once.
INSERT INTO core.dossier_version (
    dossier_code, updated_at, procedure_code, procedure_name, field_code, field_name,
    agency_code, agency_name, channel, online_level, applicant_type,
    applicant_name_hash, applicant_id_hash, phone_hash, email_hash,
    submitted_at, received_at, due_at, finished_at, returned_at, refused_at,
    status, return_method, online_payment, has_digitised,
    supplements, supplement_count, apologies, first_apology_at, batch_id
)
SELECT DISTINCT ON (s."MaHoSo", s."NgayCapNhat")
    s."MaHoSo",
    core.portal_ts(s."NgayCapNhat"),
    s."MaTTHC",
    s."TenTTHC",
    s."MaLinhVuc",
    s."TenLinhVuc",
    s."MaDonVi",
    s."DonViXuLy",
    s."KenhThucHien"::smallint,
    nullif(s."MucDo", '')::smallint,
    nullif(s."LoaiDoiTuong", '')::smallint,
    s."ChuHoSo",
    s."SoGiayToChuHoSo",
    s."SoDienThoai",
    s."Email",
    core.portal_ts(s."NgayNopHoSo"),
    core.portal_ts(s."NgayTiepNhan"),
    core.portal_ts(s."NgayHenTra"),
    core.portal_ts(s."NgayKetThucXuLy"),
    core.portal_ts(s."NgayTra"),
    core.portal_ts(s."NgayTuChoi"),
    s."TrangThaiHoSo"::smallint,
    nullif(s."HinhThuc", '')::smallint,
    nullif(s."DuocThanhToanTrucTuyen", '')::smallint,
    nullif(s."HoSoCoThanhPhanSoHoa", '') = '1',
    coalesce(s."DanhSachHoSoBoSung", '[]'::jsonb),
    jsonb_array_length(coalesce(s."DanhSachHoSoBoSung", '[]'::jsonb)),
    coalesce(s."DanhSachXinLoi", '[]'::jsonb),
    (SELECT min(core.portal_ts(a ->> 'NgayXinLoi'))
       FROM jsonb_array_elements(coalesce(s."DanhSachXinLoi", '[]'::jsonb)) AS a),
    s.batch_id
FROM staging.dossier AS s
WHERE s.batch_id = :batch_id AND NOT s.rejected
ORDER BY s."MaHoSo", s."NgayCapNhat", s.seq
ON CONFLICT (dossier_code, updated_at) DO NOTHING;
