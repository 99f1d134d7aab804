-- Foundation: raw archive, staging, core dimensions and dossiers, working-day calendar.
-- Timestamps from the portal are local time (Asia/Ho_Chi_Minh) stored as naive timestamp.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS kpi;
CREATE SCHEMA IF NOT EXISTS quality;

COMMENT ON SCHEMA raw IS 'Kho lưu thô / raw archive: every page pulled from a source, replayable, no personal data in clear';
COMMENT ON SCHEMA staging IS 'Vùng tạm / staging: the batch being validated before it is published';
COMMENT ON SCHEMA core IS 'Dữ liệu lõi / core: validated agencies, procedures, dossiers and calendar';
COMMENT ON SCHEMA kpi IS 'Chỉ số / KPI tables and views read by BI tools';
COMMENT ON SCHEMA quality IS 'Chất lượng dữ liệu / data quality: validation runs and quarantine';

CREATE FUNCTION core.portal_ts(value text) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL OR value = '' THEN NULL ELSE make_timestamp(
        substr(value, 1, 4)::int, substr(value, 5, 2)::int, substr(value, 7, 2)::int,
        substr(value, 9, 2)::int, substr(value, 11, 2)::int, substr(value, 13, 2)::double precision)
    END
$$;
COMMENT ON FUNCTION core.portal_ts(text) IS 'Parse a portal yyyyMMddHHmmss local timestamp; empty gives NULL';

CREATE FUNCTION core.portal_day(value text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL OR value = '' THEN NULL ELSE make_date(
        substr(value, 1, 4)::int, substr(value, 5, 2)::int, substr(value, 7, 2)::int) END
$$;
COMMENT ON FUNCTION core.portal_day(text) IS 'Parse a portal yyyyMMdd day; empty gives NULL';

-- ---------------------------------------------------------------- raw
CREATE TABLE raw.batch (
    batch_id      text PRIMARY KEY,
    source        text NOT NULL,
    window_from   timestamp,
    window_to     timestamp,
    business_day  date NOT NULL,
    pages         integer NOT NULL DEFAULT 0,
    records       integer NOT NULL DEFAULT 0,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    published_at  timestamptz
);
COMMENT ON TABLE raw.batch IS 'Lô dữ liệu / one pull of one source for one window; batch_id = source/window';

CREATE TABLE raw.page (
    batch_id      text NOT NULL REFERENCES raw.batch (batch_id) ON DELETE CASCADE,
    page_no       integer NOT NULL,
    request_cursor text,
    next_cursor   text,
    record_count  integer NOT NULL,
    records       jsonb NOT NULL,
    PRIMARY KEY (batch_id, page_no)
);
COMMENT ON TABLE raw.page IS 'Trang dữ liệu thô / each page as received, personal fields replaced by keyed hashes, free text dropped';

-- ---------------------------------------------------------------- staging
CREATE TABLE staging.dossier (
    batch_id        text NOT NULL,
    seq             integer NOT NULL,
    page_no         integer NOT NULL,
    "MaHoSo"        text,
    "MaTTHC"        text,
    "TenTTHC"       text,
    "MaLinhVuc"     text,
    "TenLinhVuc"    text,
    "MaDonVi"       text,
    "DonViXuLy"     text,
    "KenhThucHien"  text,
    "MucDo"         text,
    "LoaiDoiTuong"  text,
    "ChuHoSo"       text,
    "SoGiayToChuHoSo" text,
    "SoDienThoai"   text,
    "Email"         text,
    "NgayNopHoSo"   text,
    "NgayTiepNhan"  text,
    "NgayHenTra"    text,
    "NgayKetThucXuLy" text,
    "NgayTra"       text,
    "NgayTuChoi"    text,
    "TrangThaiHoSo" text,
    "HinhThuc"      text,
    "DuocThanhToanTrucTuyen" text,
    "HoSoCoThanhPhanSoHoa" text,
    "DanhSachHoSoBoSung" jsonb,
    "DanhSachXinLoi" jsonb,
    "NgayCapNhat"   text,
    rejected        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (batch_id, seq)
);
COMMENT ON TABLE staging.dossier IS 'Hồ sơ chờ kiểm tra / dossier versions of a batch as text, personal fields already hashed';

CREATE TABLE staging.agency (
    batch_id     text NOT NULL,
    seq          integer NOT NULL,
    "MaDonVi"    text,
    "TenDonVi"   text,
    "Cap"        text,
    "MaDonViCha" text,
    "HieuLucTu"  text,
    "HieuLucDen" text,
    rejected     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE staging.procedure (
    batch_id      text NOT NULL,
    seq           integer NOT NULL,
    "MaTTHC"      text,
    "TenTTHC"     text,
    "MaLinhVuc"   text,
    "TenLinhVuc"  text,
    "MucDo"       text,
    "CoQuanThucHien" jsonb,
    "CoPhiLePhi"  text,
    "CapNhatLuc"  text,
    "HieuLucTu"   text,
    "HieuLucDen"  text,
    rejected      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (batch_id, seq)
);

-- ---------------------------------------------------------------- core dimensions
CREATE TABLE core.agency (
    code        text NOT NULL,
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('PROVINCE', 'COMMUNE')),
    parent_code text,
    valid_from  date NOT NULL,
    valid_to    date,
    batch_id    text NOT NULL,
    PRIMARY KEY (code, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
COMMENT ON TABLE core.agency IS 'Cơ quan, đơn vị / agencies (departments, communes, the province) with validity dates';
COMMENT ON COLUMN core.agency.code IS 'MaDonVi / agency code (H48 province, H48.07 department, H48.112 commune)';
COMMENT ON COLUMN core.agency.name IS 'TenDonVi / agency name';
COMMENT ON COLUMN core.agency.level IS 'Cap / PROVINCE (provincial level) or COMMUNE';
COMMENT ON COLUMN core.agency.parent_code IS 'MaDonViCha / parent agency code';
COMMENT ON COLUMN core.agency.valid_from IS 'HieuLucTu / first day valid (inclusive)';
COMMENT ON COLUMN core.agency.valid_to IS 'HieuLucDen / last day valid (inclusive); NULL while current';

CREATE TABLE core.procedure (
    code          text NOT NULL,
    name          text NOT NULL,
    field_code    text,
    field_name    text,
    online_level  smallint NOT NULL CHECK (online_level IN (2, 3, 4)),
    agencies      text[] NOT NULL DEFAULT '{}',
    has_fee       boolean NOT NULL,
    changed_at    timestamp,
    valid_from    date NOT NULL,
    valid_to      date,
    batch_id      text NOT NULL,
    PRIMARY KEY (code, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
COMMENT ON TABLE core.procedure IS 'Thủ tục hành chính / administrative procedures with validity dates';
COMMENT ON COLUMN core.procedure.code IS 'MaTTHC / procedure code d.dddddd';
COMMENT ON COLUMN core.procedure.online_level IS 'MucDo / 2 not online, 3 partly online (một phần), 4 fully online (toàn trình)';
COMMENT ON COLUMN core.procedure.agencies IS 'CoQuanThucHien / agencies that handle it';
COMMENT ON COLUMN core.procedure.has_fee IS 'CoPhiLePhi / a fee or charge applies';
COMMENT ON COLUMN core.procedure.changed_at IS 'CapNhatLuc / last change of the procedure';

-- ---------------------------------------------------------------- core dossiers
CREATE TABLE core.dossier_version (
    dossier_code        text NOT NULL,
    updated_at          timestamp NOT NULL,
    procedure_code      text NOT NULL,
    procedure_name      text,
    field_code          text,
    field_name          text,
    agency_code         text NOT NULL,
    agency_name         text,
    channel             smallint NOT NULL,
    online_level        smallint,
    applicant_type      smallint,
    applicant_name_hash text,
    applicant_id_hash   text,
    phone_hash          text,
    email_hash          text,
    submitted_at        timestamp,
    received_at         timestamp,
    due_at              timestamp,
    finished_at         timestamp,
    returned_at         timestamp,
    refused_at          timestamp,
    status              smallint NOT NULL,
    return_method       smallint,
    online_payment      smallint,
    has_digitised       boolean,
    supplements         jsonb NOT NULL DEFAULT '[]',
    supplement_count    smallint NOT NULL DEFAULT 0,
    apologies           jsonb NOT NULL DEFAULT '[]',
    first_apology_at    timestamp,
    batch_id            text NOT NULL,
    PRIMARY KEY (dossier_code, updated_at)
);
CREATE INDEX dossier_version_batch ON core.dossier_version (batch_id);

CREATE TABLE core.dossier (LIKE core.dossier_version INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE core.dossier ADD PRIMARY KEY (dossier_code);
CREATE INDEX dossier_received ON core.dossier (received_at);
CREATE INDEX dossier_finished ON core.dossier (finished_at);
CREATE INDEX dossier_agency ON core.dossier (agency_code, received_at);

COMMENT ON TABLE core.dossier_version IS 'Phiên bản hồ sơ / every version of every dossier seen, keyed by (MaHoSo, NgayCapNhat)';
COMMENT ON TABLE core.dossier IS 'Hồ sơ / latest known state of each dossier: an older NgayCapNhat never overwrites a newer one';

-- ---------------------------------------------------------------- load bookkeeping
CREATE TABLE core.load_state (
    key    text PRIMARY KEY,
    value  jsonb NOT NULL
);
COMMENT ON TABLE core.load_state IS 'Trạng thái nạp / pipeline bookkeeping such as the one-time bootstrap from /dossiers/open';

CREATE TABLE core.load_day (
    business_day  date PRIMARY KEY,
    batches       text[] NOT NULL,
    versions_seen integer NOT NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE core.load_day IS 'Ngày đã nạp / local days whose portal_daily run published; the watermark is the latest';

-- ---------------------------------------------------------------- working-day calendar
CREATE TABLE core.calendar_exception (
    day            date PRIMARY KEY,
    is_working_day boolean NOT NULL,
    note           text NOT NULL
);
COMMENT ON TABLE core.calendar_exception IS 'Ngày nghỉ bù, làm bù / exceptions to the calendar: extra days off, make-up working Saturdays';

CREATE TABLE core.calendar_day (
    day            date PRIMARY KEY,
    is_working_day boolean NOT NULL,
    holiday_name   text,
    source         text NOT NULL CHECK (source IN ('weekday', 'weekend', 'holiday', 'exception'))
);
COMMENT ON TABLE core.calendar_day IS 'Lịch làm việc / one row per day: Monday–Friday minus Vietnamese public holidays, with exceptions applied';

CREATE FUNCTION core.add_working_days(start_day date, n integer) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT day FROM core.calendar_day
    WHERE day > start_day AND is_working_day
    ORDER BY day OFFSET greatest(n, 1) - 1 LIMIT 1
$$;
COMMENT ON FUNCTION core.add_working_days(date, integer) IS 'The n-th working day after start_day (n >= 1)';
