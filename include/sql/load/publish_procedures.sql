-- Merge a staged procedure catalogue (whole history) into core.procedure.
INSERT INTO core.procedure (
    code, name, field_code, field_name, online_level, agencies, has_fee, changed_at,
    valid_from, valid_to, batch_id
)
SELECT DISTINCT ON (s."MaTTHC", s."HieuLucTu")
    s."MaTTHC", s."TenTTHC", s."MaLinhVuc", s."TenLinhVuc", s."MucDo"::smallint,
    coalesce(ARRAY(SELECT jsonb_array_elements_text(s."CoQuanThucHien")), '{}'),
    s."CoPhiLePhi" = '1', core.portal_ts(s."CapNhatLuc"),
    core.portal_day(s."HieuLucTu"), core.portal_day(s."HieuLucDen"), s.batch_id
FROM staging.procedure AS s
WHERE s.batch_id = :batch_id AND NOT s.rejected
ORDER BY s."MaTTHC", s."HieuLucTu", s.seq DESC
ON CONFLICT (code, valid_from) DO UPDATE SET
    name = EXCLUDED.name,
    field_code = EXCLUDED.field_code,
    field_name = EXCLUDED.field_name,
    online_level = EXCLUDED.online_level,
    agencies = EXCLUDED.agencies,
    has_fee = EXCLUDED.has_fee,
    changed_at = EXCLUDED.changed_at,
    valid_to = EXCLUDED.valid_to,
    batch_id = EXCLUDED.batch_id
WHERE (core.procedure.name, core.procedure.field_code, core.procedure.field_name,
       core.procedure.online_level, core.procedure.agencies, core.procedure.has_fee,
       core.procedure.changed_at, core.procedure.valid_to)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.field_code, EXCLUDED.field_name,
       EXCLUDED.online_level, EXCLUDED.agencies, EXCLUDED.has_fee,
       EXCLUDED.changed_at, EXCLUDED.valid_to);
