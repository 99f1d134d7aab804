-- Agency validity intervals (MaDonVi valid on the day of NgayCapNhat).
SELECT code, valid_from, valid_to FROM core.agency;
