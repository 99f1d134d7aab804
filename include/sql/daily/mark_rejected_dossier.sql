-- Rows that failed validation are not published, nor are exact copies of them in the
-- same batch (a listing may repeat a record; validation saw the copies as one row).
UPDATE staging.dossier AS s SET rejected = true
WHERE s.batch_id = :b
  AND (s.seq = ANY(:s)
       OR md5(concat_ws(chr(31), s."MaHoSo", s."MaTTHC", s."TenTTHC", s."MaLinhVuc",
              s."TenLinhVuc", s."MaDonVi", s."DonViXuLy", s."KenhThucHien", s."MucDo",
              s."LoaiDoiTuong", s."ChuHoSo", s."SoGiayToChuHoSo", s."SoDienThoai", s."Email",
              s."NgayNopHoSo", s."NgayTiepNhan", s."NgayHenTra", s."NgayKetThucXuLy",
              s."NgayTra", s."NgayTuChoi", s."TrangThaiHoSo", s."HinhThuc",
              s."DuocThanhToanTrucTuyen", s."HoSoCoThanhPhanSoHoa",
              s."DanhSachHoSoBoSung"::text, s."DanhSachXinLoi"::text, s."NgayCapNhat"))
          = ANY(CAST(:d AS text[])));
