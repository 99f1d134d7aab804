-- ISO 9001 register of the provincial DOST (contract §3) and compliance per agency and day
-- (domain §6): raw versions of the file, staging as read, core register with validity dates,
-- daily compliance with one flag per rule.

-- ---------------------------------------------------------------- quarantine accepts register rows
-- Widen the entity CHECK by adding 'iso9001' to whatever values it allows now, so a
-- migration that widened it before this one keeps its values.
DO $$
DECLARE
    allowed text[];
BEGIN
    SELECT array_agg(m[1] ORDER BY m[1]) INTO allowed
    FROM pg_constraint AS c,
         regexp_matches(pg_get_constraintdef(c.oid), '''([^'']+)''', 'g') AS m
    WHERE c.conrelid = 'quality.quarantine'::regclass AND c.conname = 'quarantine_entity_check';
    IF allowed IS NULL THEN
        allowed := ARRAY['agency', 'dossier', 'procedure'];
    END IF;
    IF NOT 'iso9001' = ANY (allowed) THEN
        allowed := allowed || 'iso9001'::text;
    END IF;
    ALTER TABLE quality.quarantine DROP CONSTRAINT IF EXISTS quarantine_entity_check;
    EXECUTE format(
        'ALTER TABLE quality.quarantine ADD CONSTRAINT quarantine_entity_check'
        ' CHECK (entity = ANY (%L::text[]))',
        allowed
    );
END
$$;
COMMENT ON COLUMN quality.quarantine.entity IS 'Loại bản ghi / kind of record: dossier, agency, procedure, iso9001 (a row of the DOST ISO 9001 register), …';

-- ---------------------------------------------------------------- helpers
CREATE FUNCTION core.dmy_date(value text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL OR value !~ '^\d{2}/\d{2}/\d{4}$' THEN
        RETURN NULL;
    END IF;
    RETURN make_date(substr(value, 7, 4)::int, substr(value, 4, 2)::int, substr(value, 1, 2)::int);
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION core.dmy_date(text) IS 'Ngày dd/mm/yyyy / parse a register day written dd/mm/yyyy; empty or invalid gives NULL';

-- ---------------------------------------------------------------- raw: every version received
CREATE TABLE raw.iso9001_file (
    sha256            text PRIMARY KEY,
    source            text NOT NULL,
    file_name         text,
    file_format       text NOT NULL CHECK (file_format IN ('xlsx', 'csv')),
    content           bytea NOT NULL,
    size_bytes        integer NOT NULL,
    first_received_at timestamptz NOT NULL,
    received_at       timestamptz NOT NULL,
    register_day      date NOT NULL,
    last_checked_at   timestamptz NOT NULL,
    load_status       text NOT NULL CHECK (load_status IN ('loaded', 'unreadable')),
    load_error        text,
    rows_in           integer,
    rows_loaded       integer,
    rows_quarantined  integer
);
CREATE INDEX iso9001_file_received ON raw.iso9001_file (received_at DESC);
COMMENT ON TABLE raw.iso9001_file IS 'Sổ theo dõi ISO 9001 (bản nhận được) / every version of the DOST ISO 9001 register received, keyed by the sha256 of its bytes';
COMMENT ON COLUMN raw.iso9001_file.sha256 IS 'Mã băm / sha256 of the file bytes (hex): identifies a version';
COMMENT ON COLUMN raw.iso9001_file.source IS 'Nguồn / where it was read: local path or HTTP(S) URL (PORTAL_KPI_ISO9001_SOURCE)';
COMMENT ON COLUMN raw.iso9001_file.file_name IS 'Tên tệp / file name (last path segment)';
COMMENT ON COLUMN raw.iso9001_file.file_format IS 'Định dạng / xlsx or csv (UTF-8), told by the bytes';
COMMENT ON COLUMN raw.iso9001_file.content IS 'Nội dung / the file as received, byte for byte';
COMMENT ON COLUMN raw.iso9001_file.size_bytes IS 'Kích thước / size in bytes';
COMMENT ON COLUMN raw.iso9001_file.first_received_at IS 'Nhận lần đầu / when these bytes were first received';
COMMENT ON COLUMN raw.iso9001_file.received_at IS 'Nhận lần gần nhất / when these bytes last became the current version (a file may return to an earlier content)';
COMMENT ON COLUMN raw.iso9001_file.register_day IS 'Ngày sổ / local day of received_at: validity start of the rows it loaded, and the day its rows are checked against';
COMMENT ON COLUMN raw.iso9001_file.last_checked_at IS 'Kiểm tra gần nhất / last time the source was read and found to be this version';
COMMENT ON COLUMN raw.iso9001_file.load_status IS 'Trạng thái nạp / loaded (rows validated and published) or unreadable (not a register: see load_error)';
COMMENT ON COLUMN raw.iso9001_file.load_error IS 'Lỗi / why an unreadable file could not be read';
COMMENT ON COLUMN raw.iso9001_file.rows_in IS 'Số dòng / data rows in the file';
COMMENT ON COLUMN raw.iso9001_file.rows_loaded IS 'Số dòng hợp lệ / rows that passed validation';
COMMENT ON COLUMN raw.iso9001_file.rows_quarantined IS 'Số dòng cách ly / rows sent to quality.quarantine';

-- ---------------------------------------------------------------- staging: rows as read
CREATE TABLE staging.iso9001_register (
    sha256               text NOT NULL,
    seq                  integer NOT NULL,
    "MaDonVi"            text,
    "TenDonVi"           text,
    "SoQuyetDinhCongBo"  text,
    "NgayCongBo"         text,
    "TieuChuan"          text,
    "SoTTHCApDung"       text,
    "TongSoTTHC"         text,
    "NgayDanhGiaNoiBo"   text,
    "NgayXemXetLanhDao"  text,
    "NgayCapNhatHeThong" text,
    "NgayKiemTra"        text,
    "KetQuaKiemTra"      text,
    rejected             boolean NOT NULL DEFAULT false,
    PRIMARY KEY (sha256, seq)
);
COMMENT ON TABLE staging.iso9001_register IS 'Sổ ISO 9001 chờ kiểm tra / rows of one register version as text (trimmed, Unicode NFC), before validation';
COMMENT ON COLUMN staging.iso9001_register.sha256 IS 'Phiên bản / version of the file (raw.iso9001_file.sha256)';
COMMENT ON COLUMN staging.iso9001_register.seq IS 'Dòng / spreadsheet row number (header is row 1)';
COMMENT ON COLUMN staging.iso9001_register."MaDonVi" IS 'MaDonVi / agency code';
COMMENT ON COLUMN staging.iso9001_register."TenDonVi" IS 'TenDonVi / agency name';
COMMENT ON COLUMN staging.iso9001_register."SoQuyetDinhCongBo" IS 'SoQuyetDinhCongBo / number of the conformity-declaration decision';
COMMENT ON COLUMN staging.iso9001_register."NgayCongBo" IS 'NgayCongBo / date declared, dd/mm/yyyy';
COMMENT ON COLUMN staging.iso9001_register."TieuChuan" IS 'TieuChuan / standard declared, e.g. TCVN ISO 9001:2015';
COMMENT ON COLUMN staging.iso9001_register."SoTTHCApDung" IS 'SoTTHCApDung / procedures covered by the system';
COMMENT ON COLUMN staging.iso9001_register."TongSoTTHC" IS 'TongSoTTHC / procedures the agency handles';
COMMENT ON COLUMN staging.iso9001_register."NgayDanhGiaNoiBo" IS 'NgayDanhGiaNoiBo / last internal audit, dd/mm/yyyy';
COMMENT ON COLUMN staging.iso9001_register."NgayXemXetLanhDao" IS 'NgayXemXetLanhDao / last management review, dd/mm/yyyy';
COMMENT ON COLUMN staging.iso9001_register."NgayCapNhatHeThong" IS 'NgayCapNhatHeThong / last update of the system documents, dd/mm/yyyy';
COMMENT ON COLUMN staging.iso9001_register."NgayKiemTra" IS 'NgayKiemTra / last DOST inspection, dd/mm/yyyy';
COMMENT ON COLUMN staging.iso9001_register."KetQuaKiemTra" IS 'KetQuaKiemTra / inspection result: Đạt, Không đạt or empty';
COMMENT ON COLUMN staging.iso9001_register.rejected IS 'Bị loại / failed validation (see quality.quarantine, batch iso9001/<sha256>)';

CREATE VIEW staging.iso9001_register_parsed AS
SELECT
    s.sha256,
    s.seq,
    s."MaDonVi" AS agency_code,
    s."TenDonVi" AS agency_name,
    s."SoQuyetDinhCongBo" AS decision_no,
    core.dmy_date(s."NgayCongBo") AS declared_on,
    CASE WHEN s."TieuChuan" IS NOT NULL
        THEN 'TCVN ISO 9001:' || substring(upper(s."TieuChuan") FROM '9001\s*:\s*(\d{4})')
    END AS standard,
    substring(upper(s."TieuChuan") FROM '9001\s*:\s*(\d{4})')::smallint AS standard_year,
    CASE WHEN s."SoTTHCApDung" ~ '^\d{1,9}$' THEN s."SoTTHCApDung"::integer END AS procedures_covered,
    CASE WHEN s."TongSoTTHC" ~ '^\d{1,9}$' THEN s."TongSoTTHC"::integer END AS procedures_total,
    core.dmy_date(s."NgayDanhGiaNoiBo") AS internal_audit_on,
    core.dmy_date(s."NgayXemXetLanhDao") AS management_review_on,
    core.dmy_date(s."NgayCapNhatHeThong") AS docs_updated_on,
    core.dmy_date(s."NgayKiemTra") AS inspected_on,
    s."KetQuaKiemTra" AS inspection_result,
    s.rejected
FROM staging.iso9001_register AS s;
COMMENT ON VIEW staging.iso9001_register_parsed IS 'Sổ ISO 9001 đã chuyển kiểu / staged register rows with typed values (meaningful for rows that passed validation)';
COMMENT ON COLUMN staging.iso9001_register_parsed.sha256 IS 'Phiên bản / version of the file';
COMMENT ON COLUMN staging.iso9001_register_parsed.seq IS 'Dòng / spreadsheet row number';
COMMENT ON COLUMN staging.iso9001_register_parsed.agency_code IS 'MaDonVi / agency code';
COMMENT ON COLUMN staging.iso9001_register_parsed.agency_name IS 'TenDonVi / agency name';
COMMENT ON COLUMN staging.iso9001_register_parsed.decision_no IS 'SoQuyetDinhCongBo / declaration decision number';
COMMENT ON COLUMN staging.iso9001_register_parsed.declared_on IS 'NgayCongBo / date declared';
COMMENT ON COLUMN staging.iso9001_register_parsed.standard IS 'TieuChuan / standard, normalised to TCVN ISO 9001:<year>';
COMMENT ON COLUMN staging.iso9001_register_parsed.standard_year IS 'Năm phiên bản / edition year of the standard (2015, 2008, …)';
COMMENT ON COLUMN staging.iso9001_register_parsed.procedures_covered IS 'SoTTHCApDung / procedures covered';
COMMENT ON COLUMN staging.iso9001_register_parsed.procedures_total IS 'TongSoTTHC / procedures handled';
COMMENT ON COLUMN staging.iso9001_register_parsed.internal_audit_on IS 'NgayDanhGiaNoiBo / last internal audit';
COMMENT ON COLUMN staging.iso9001_register_parsed.management_review_on IS 'NgayXemXetLanhDao / last management review';
COMMENT ON COLUMN staging.iso9001_register_parsed.docs_updated_on IS 'NgayCapNhatHeThong / last update of the system documents';
COMMENT ON COLUMN staging.iso9001_register_parsed.inspected_on IS 'NgayKiemTra / last DOST inspection';
COMMENT ON COLUMN staging.iso9001_register_parsed.inspection_result IS 'KetQuaKiemTra / Đạt, Không đạt or NULL';
COMMENT ON COLUMN staging.iso9001_register_parsed.rejected IS 'Bị loại / failed validation';

-- ---------------------------------------------------------------- core: register with validity
CREATE TABLE core.iso9001_register (
    agency_code          text NOT NULL,
    valid_from           date NOT NULL,
    valid_to             date,
    agency_name          text,
    decision_no          text,
    declared_on          date,
    standard             text,
    standard_year        smallint,
    procedures_covered   integer CHECK (procedures_covered >= 0),
    procedures_total     integer CHECK (procedures_total >= 0),
    internal_audit_on    date,
    management_review_on date,
    docs_updated_on      date,
    inspected_on         date,
    inspection_result    text CHECK (inspection_result IN ('Đạt', 'Không đạt')),
    sha256               text NOT NULL REFERENCES raw.iso9001_file (sha256),
    row_no               integer NOT NULL,
    PRIMARY KEY (agency_code, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX iso9001_register_current ON core.iso9001_register (agency_code) WHERE valid_to IS NULL;
COMMENT ON TABLE core.iso9001_register IS 'Sổ theo dõi áp dụng ISO 9001 / the DOST register, one row per agency and validity range: a row opens on the day a version that changes it is received and closes the day before the next change (or the day before a version without the agency)';
COMMENT ON COLUMN core.iso9001_register.agency_code IS 'MaDonVi / agency code';
COMMENT ON COLUMN core.iso9001_register.valid_from IS 'Hiệu lực từ / local day the version that set this row was received (inclusive)';
COMMENT ON COLUMN core.iso9001_register.valid_to IS 'Hiệu lực đến / last day valid (inclusive); NULL while current';
COMMENT ON COLUMN core.iso9001_register.agency_name IS 'TenDonVi / agency name as written in the register';
COMMENT ON COLUMN core.iso9001_register.decision_no IS 'SoQuyetDinhCongBo / number of the conformity-declaration decision';
COMMENT ON COLUMN core.iso9001_register.declared_on IS 'NgayCongBo / date declared; NULL = never';
COMMENT ON COLUMN core.iso9001_register.standard IS 'TieuChuan / standard declared, normalised (TCVN ISO 9001:2015)';
COMMENT ON COLUMN core.iso9001_register.standard_year IS 'Năm phiên bản / edition year of the standard declared';
COMMENT ON COLUMN core.iso9001_register.procedures_covered IS 'SoTTHCApDung / procedures covered by the system';
COMMENT ON COLUMN core.iso9001_register.procedures_total IS 'TongSoTTHC / procedures the agency handles (as the register states)';
COMMENT ON COLUMN core.iso9001_register.internal_audit_on IS 'NgayDanhGiaNoiBo / last internal audit; NULL = never';
COMMENT ON COLUMN core.iso9001_register.management_review_on IS 'NgayXemXetLanhDao / last management review; NULL = never';
COMMENT ON COLUMN core.iso9001_register.docs_updated_on IS 'NgayCapNhatHeThong / last update of the system documents; NULL = never';
COMMENT ON COLUMN core.iso9001_register.inspected_on IS 'NgayKiemTra / last DOST inspection; NULL = never';
COMMENT ON COLUMN core.iso9001_register.inspection_result IS 'KetQuaKiemTra / Đạt (passed), Không đạt (failed) or NULL';
COMMENT ON COLUMN core.iso9001_register.sha256 IS 'Phiên bản / register version that set this row';
COMMENT ON COLUMN core.iso9001_register.row_no IS 'Dòng / row number in that version';

-- ---------------------------------------------------------------- kpi: compliance per agency and day
CREATE TABLE kpi.iso9001_compliance (
    day                                 date NOT NULL,
    agency_code                         text NOT NULL,
    agency_name                         text NOT NULL,
    agency_level                        text NOT NULL CHECK (agency_level IN ('PROVINCE', 'COMMUNE')),
    in_register                         boolean NOT NULL,
    declared_2015                       boolean,
    covers_all_procedures               boolean,
    internal_audit_12m                  boolean,
    management_review_12m               boolean,
    docs_updated_after_procedure_change boolean,
    inspection_not_failed               boolean,
    compliant                           boolean NOT NULL,
    failed_rules                        text[] NOT NULL,
    reason                              text NOT NULL,
    procedures_in_dossiers_12m          integer NOT NULL,
    latest_procedure_change             date,
    audit_expires_on                    date,
    review_expires_on                   date,
    register_valid_from                 date,
    computed_at                         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, agency_code)
);
CREATE INDEX iso9001_compliance_agency ON kpi.iso9001_compliance (agency_code, day);
COMMENT ON TABLE kpi.iso9001_compliance IS 'Áp dụng ISO 9001 theo ngày / ISO 9001 compliance of every agency in scope (departments and communes valid that day, not the province code), per day, one flag per rule of domain §6; a day is recomputed by replacing its rows';
COMMENT ON COLUMN kpi.iso9001_compliance.day IS 'Ngày / the day judged';
COMMENT ON COLUMN kpi.iso9001_compliance.agency_code IS 'MaDonVi / agency code';
COMMENT ON COLUMN kpi.iso9001_compliance.agency_name IS 'TenDonVi / agency name in the agency catalogue that day';
COMMENT ON COLUMN kpi.iso9001_compliance.agency_level IS 'Cap / PROVINCE (department) or COMMUNE';
COMMENT ON COLUMN kpi.iso9001_compliance.in_register IS 'Có trong sổ / a register row is valid for the agency that day; when false the rule flags are NULL';
COMMENT ON COLUMN kpi.iso9001_compliance.declared_2015 IS 'Công bố theo TCVN ISO 9001:2015 / declared (NgayCongBo on or before the day) to the 2015 edition';
COMMENT ON COLUMN kpi.iso9001_compliance.covers_all_procedures IS 'Áp dụng cho mọi TTHC / SoTTHCApDung >= TongSoTTHC and >= distinct procedures (MaTTHC national part) in its received dossiers of the last 12 months';
COMMENT ON COLUMN kpi.iso9001_compliance.internal_audit_12m IS 'Đánh giá nội bộ trong 12 tháng / the day is before NgayDanhGiaNoiBo + 12 months';
COMMENT ON COLUMN kpi.iso9001_compliance.management_review_12m IS 'Xem xét của lãnh đạo trong 12 tháng / the day is before NgayXemXetLanhDao + 12 months';
COMMENT ON COLUMN kpi.iso9001_compliance.docs_updated_after_procedure_change IS 'Cập nhật sau khi TTHC thay đổi / NgayCapNhatHeThong >= the latest CapNhatLuc (day, up to this day) of the procedures it handles that day; true when it handles none';
COMMENT ON COLUMN kpi.iso9001_compliance.inspection_not_failed IS 'Kiểm tra không "Không đạt" / last DOST inspection not failed (passed or none)';
COMMENT ON COLUMN kpi.iso9001_compliance.compliant IS 'Đạt / in the register and every rule holds';
COMMENT ON COLUMN kpi.iso9001_compliance.failed_rules IS 'Quy tắc không đạt / names of the rules that fail (in_register when not in the register); empty when compliant';
COMMENT ON COLUMN kpi.iso9001_compliance.reason IS 'Lý do / readable reason, Vietnamese then English, naming the failed rules';
COMMENT ON COLUMN kpi.iso9001_compliance.procedures_in_dossiers_12m IS 'Số TTHC có hồ sơ trong 12 tháng / distinct procedures in its received dossiers of the last 12 months';
COMMENT ON COLUMN kpi.iso9001_compliance.latest_procedure_change IS 'TTHC thay đổi gần nhất / latest CapNhatLuc day of the procedures it handles';
COMMENT ON COLUMN kpi.iso9001_compliance.audit_expires_on IS 'Hết hạn đánh giá nội bộ / first day internal_audit_12m no longer holds (NgayDanhGiaNoiBo + 12 months)';
COMMENT ON COLUMN kpi.iso9001_compliance.review_expires_on IS 'Hết hạn xem xét lãnh đạo / first day management_review_12m no longer holds (NgayXemXetLanhDao + 12 months)';
COMMENT ON COLUMN kpi.iso9001_compliance.register_valid_from IS 'Phiên bản sổ / valid_from of the core.iso9001_register row used';
COMMENT ON COLUMN kpi.iso9001_compliance.computed_at IS 'Thời điểm tính / when the row was computed';

COMMENT ON COLUMN kpi.kpi_value.agency_code IS 'Mã đơn vị / agency code, or the province code for the whole province; for iso9001_compliant_share also <province>:PROVINCE (all departments) and <province>:COMMUNE (all communes), e.g. H48:PROVINCE, H48:COMMUNE';
