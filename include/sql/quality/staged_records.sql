-- The full staged records of some rows of a batch (for the quarantine).
SELECT seq, "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "MaDonVi", "DonViXuLy",
       "KenhThucHien", "MucDo", "LoaiDoiTuong", "ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai",
       "Email", "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra",
       "NgayTuChoi", "TrangThaiHoSo", "HinhThuc", "DuocThanhToanTrucTuyen",
       "HoSoCoThanhPhanSoHoa", "DanhSachHoSoBoSung", "DanhSachXinLoi", "NgayCapNhat"
FROM staging.dossier
WHERE batch_id = :b AND seq = ANY (CAST(:seqs AS integer[]))
ORDER BY seq;
