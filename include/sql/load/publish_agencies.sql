-- Merge a staged agency catalogue (whole history) into core.agency.
INSERT INTO core.agency (code, name, level, parent_code, valid_from, valid_to, batch_id)
SELECT DISTINCT ON (s."MaDonVi", s."HieuLucTu")
    s."MaDonVi", s."TenDonVi", s."Cap", nullif(s."MaDonViCha", ''),
    core.portal_day(s."HieuLucTu"), core.portal_day(s."HieuLucDen"), s.batch_id
FROM staging.agency AS s
WHERE s.batch_id = :batch_id AND NOT s.rejected
ORDER BY s."MaDonVi", s."HieuLucTu", s.seq DESC
ON CONFLICT (code, valid_from) DO UPDATE SET
    name = EXCLUDED.name,
    level = EXCLUDED.level,
    parent_code = EXCLUDED.parent_code,
    valid_to = EXCLUDED.valid_to,
    batch_id = EXCLUDED.batch_id
WHERE (core.agency.name, core.agency.level, core.agency.parent_code, core.agency.valid_to)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent_code, EXCLUDED.valid_to);
