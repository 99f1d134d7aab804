-- Early warning (issue #8): dossiers about to be late, and apology letters owed.
-- Two snapshot tables, one row set per run day (as_of); a rerun of a day replaces its rows.
--   kpi.due_soon      dossiers in progress at as_of: overdue, due within 2 working days, paused
--   kpi.apology_watch apology letters owed (open dossiers) and late results without a timely letter
--   kpi.due_soon_run  one row per run day refreshed; the *_latest views show its latest day
-- No personal data: only codes, procedure, channel, dates and counts.

CREATE TABLE kpi.due_soon (
    as_of              date NOT NULL,
    dossier_code       text NOT NULL,
    category           text NOT NULL CHECK (category IN ('overdue', 'due_soon', 'paused')),
    agency_code        text NOT NULL,
    agency_name        text,
    procedure_code     text NOT NULL,
    procedure_name     text,
    channel            smallint NOT NULL,
    status             smallint NOT NULL,
    received_at        timestamp NOT NULL,
    due_at             timestamp NOT NULL,
    due_day            date NOT NULL,
    working_days_left  integer,
    supplement_count   smallint NOT NULL,
    has_apology        boolean NOT NULL,
    apology_on_time    boolean NOT NULL,
    apology_owed       boolean NOT NULL,
    first_apology_at   timestamp,
    refreshed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (as_of, dossier_code)
);
CREATE INDEX due_soon_agency ON kpi.due_soon (as_of, agency_code, category);

COMMENT ON TABLE kpi.due_soon IS 'Hồ sơ sắp trễ hạn / early warning: dossiers in progress at as_of that are overdue, due on the first or second working day after as_of, or paused with such a due day; one snapshot per run day';
COMMENT ON COLUMN kpi.due_soon.as_of IS 'Ngày cảnh báo / run day D the list was built for (evaluated at the end of D)';
COMMENT ON COLUMN kpi.due_soon.dossier_code IS 'MaHoSo / dossier code';
COMMENT ON COLUMN kpi.due_soon.category IS 'Nhóm / overdue (due day on or before D, cannot be on time any more), due_soon (due on the 1st or 2nd working day after D), paused (status 5, 6, 8; never overdue, as in form 06)';
COMMENT ON COLUMN kpi.due_soon.agency_code IS 'MaDonVi / agency handling the dossier';
COMMENT ON COLUMN kpi.due_soon.agency_name IS 'DonViXuLy / agency name as the dossier carries it';
COMMENT ON COLUMN kpi.due_soon.procedure_code IS 'MaTTHC / procedure code';
COMMENT ON COLUMN kpi.due_soon.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.due_soon.channel IS 'KenhThucHien / channel: 1 in person, 2 online, 3 post (BCCI)';
COMMENT ON COLUMN kpi.due_soon.status IS 'TrangThaiHoSo / current status (2 received, 4 processing, 5/6/8 paused; 7/9/10 when a rerun sees a dossier closed after as_of)';
COMMENT ON COLUMN kpi.due_soon.received_at IS 'NgayTiepNhan / received (local time)';
COMMENT ON COLUMN kpi.due_soon.due_at IS 'NgayHenTra / due date, already moved by supplements (local time)';
COMMENT ON COLUMN kpi.due_soon.due_day IS 'Ngày hẹn trả / calendar day of NgayHenTra';
COMMENT ON COLUMN kpi.due_soon.working_days_left IS 'Số ngày làm việc còn lại / working days from as_of to the due day: working days in (as_of, due_day], or minus those in (due_day, as_of] when overdue (0 = due on as_of)';
COMMENT ON COLUMN kpi.due_soon.supplement_count IS 'Số lần yêu cầu bổ sung / entries in DanhSachHoSoBoSung';
COMMENT ON COLUMN kpi.due_soon.has_apology IS 'Có thư xin lỗi / the dossier has at least one apology letter (DanhSachXinLoi)';
COMMENT ON COLUMN kpi.due_soon.apology_on_time IS 'Xin lỗi đúng hạn / an apology letter is dated (NgayXinLoi) on or before the due day';
COMMENT ON COLUMN kpi.due_soon.apology_owed IS 'Cần thư xin lỗi / listed in kpi.apology_watch as apology_owed on the same day: not paused, due on or before the 1st working day after as_of, no timely letter';
COMMENT ON COLUMN kpi.due_soon.first_apology_at IS 'NgayXinLoi / date of the first apology letter';
COMMENT ON COLUMN kpi.due_soon.refreshed_at IS 'Thời điểm tính / when the snapshot was built';

CREATE TABLE kpi.apology_watch (
    as_of              date NOT NULL,
    dossier_code       text NOT NULL,
    category           text NOT NULL CHECK (category IN ('apology_owed', 'apology_late')),
    agency_code        text NOT NULL,
    agency_name        text,
    procedure_code     text NOT NULL,
    procedure_name     text,
    channel            smallint NOT NULL,
    status             smallint NOT NULL,
    received_at        timestamp NOT NULL,
    due_at             timestamp NOT NULL,
    due_day            date NOT NULL,
    finished_at        timestamp,
    working_days_left  integer,
    supplement_count   smallint NOT NULL,
    first_apology_at   timestamp,
    refreshed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (as_of, dossier_code)
);
CREATE INDEX apology_watch_agency ON kpi.apology_watch (as_of, agency_code, category);

COMMENT ON TABLE kpi.apology_watch IS 'Theo dõi thư xin lỗi / apology letters: owed now by dossiers in progress that are overdue or due within 1 working day without a letter dated on or before their due day (apology_owed), and dossiers resolved late on as_of whose letter came after the due day or never (apology_late); one snapshot per run day';
COMMENT ON COLUMN kpi.apology_watch.as_of IS 'Ngày cảnh báo / run day D the list was built for';
COMMENT ON COLUMN kpi.apology_watch.dossier_code IS 'MaHoSo / dossier code';
COMMENT ON COLUMN kpi.apology_watch.category IS 'Nhóm / apology_owed (status 2 or 4, due day on or before the 1st working day after D, no timely letter) or apology_late (status 9 or 10, finished on D after the due day, no letter on or before the due day: form 06 column 10 without apology)';
COMMENT ON COLUMN kpi.apology_watch.agency_code IS 'MaDonVi / agency handling the dossier';
COMMENT ON COLUMN kpi.apology_watch.agency_name IS 'DonViXuLy / agency name as the dossier carries it';
COMMENT ON COLUMN kpi.apology_watch.procedure_code IS 'MaTTHC / procedure code';
COMMENT ON COLUMN kpi.apology_watch.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.apology_watch.channel IS 'KenhThucHien / channel: 1 in person, 2 online, 3 post (BCCI)';
COMMENT ON COLUMN kpi.apology_watch.status IS 'TrangThaiHoSo / current status';
COMMENT ON COLUMN kpi.apology_watch.received_at IS 'NgayTiepNhan / received (local time)';
COMMENT ON COLUMN kpi.apology_watch.due_at IS 'NgayHenTra / due date (an apology''s NgayHenTraMoi never moves it)';
COMMENT ON COLUMN kpi.apology_watch.due_day IS 'Ngày hẹn trả / calendar day of NgayHenTra';
COMMENT ON COLUMN kpi.apology_watch.finished_at IS 'NgayKetThucXuLy / processing finished (apology_late only)';
COMMENT ON COLUMN kpi.apology_watch.working_days_left IS 'Số ngày làm việc còn lại / working days from as_of to the due day (negative: overdue or finished late by that many working days)';
COMMENT ON COLUMN kpi.apology_watch.supplement_count IS 'Số lần yêu cầu bổ sung / entries in DanhSachHoSoBoSung';
COMMENT ON COLUMN kpi.apology_watch.first_apology_at IS 'NgayXinLoi / date of the first apology letter, if any (after the due day here)';
COMMENT ON COLUMN kpi.apology_watch.refreshed_at IS 'Thời điểm tính / when the snapshot was built';

CREATE TABLE kpi.due_soon_run (
    as_of          date PRIMARY KEY,
    overdue        integer NOT NULL,
    due_soon       integer NOT NULL,
    paused         integer NOT NULL,
    apology_owed   integer NOT NULL,
    apology_late   integer NOT NULL,
    agencies       integer NOT NULL,
    refreshed_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kpi.due_soon_run IS 'Lần tính cảnh báo sớm / one row per run day whose early-warning lists were built, with their sizes; the latest as_of is what the *_latest views show';
COMMENT ON COLUMN kpi.due_soon_run.as_of IS 'Ngày cảnh báo / run day D';
COMMENT ON COLUMN kpi.due_soon_run.overdue IS 'Quá hạn / rows of kpi.due_soon with category overdue';
COMMENT ON COLUMN kpi.due_soon_run.due_soon IS 'Sắp đến hạn / rows with category due_soon';
COMMENT ON COLUMN kpi.due_soon_run.paused IS 'Tạm dừng / rows with category paused';
COMMENT ON COLUMN kpi.due_soon_run.apology_owed IS 'Cần thư xin lỗi / rows of kpi.apology_watch with category apology_owed';
COMMENT ON COLUMN kpi.due_soon_run.apology_late IS 'Trễ hạn không xin lỗi đúng hạn / rows of kpi.apology_watch with category apology_late';
COMMENT ON COLUMN kpi.due_soon_run.agencies IS 'Số đơn vị / agencies with an overdue, due_soon or apology row (those that get a digest)';
COMMENT ON COLUMN kpi.due_soon_run.refreshed_at IS 'Thời điểm tính / when the lists were built';

CREATE VIEW kpi.due_soon_latest AS
SELECT s.*
FROM kpi.due_soon AS s
WHERE s.as_of = (SELECT max(r.as_of) FROM kpi.due_soon_run AS r);
COMMENT ON VIEW kpi.due_soon_latest IS 'Hồ sơ sắp trễ hạn, ngày mới nhất / kpi.due_soon for the latest run day refreshed (kpi.due_soon_run), even when that day has no rows';
COMMENT ON COLUMN kpi.due_soon_latest.as_of IS 'Ngày cảnh báo / run day D the list was built for';
COMMENT ON COLUMN kpi.due_soon_latest.dossier_code IS 'MaHoSo / dossier code';
COMMENT ON COLUMN kpi.due_soon_latest.category IS 'Nhóm / overdue, due_soon or paused';
COMMENT ON COLUMN kpi.due_soon_latest.agency_code IS 'MaDonVi / agency handling the dossier';
COMMENT ON COLUMN kpi.due_soon_latest.agency_name IS 'DonViXuLy / agency name as the dossier carries it';
COMMENT ON COLUMN kpi.due_soon_latest.procedure_code IS 'MaTTHC / procedure code';
COMMENT ON COLUMN kpi.due_soon_latest.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.due_soon_latest.channel IS 'KenhThucHien / channel: 1 in person, 2 online, 3 post (BCCI)';
COMMENT ON COLUMN kpi.due_soon_latest.status IS 'TrangThaiHoSo / current status';
COMMENT ON COLUMN kpi.due_soon_latest.received_at IS 'NgayTiepNhan / received (local time)';
COMMENT ON COLUMN kpi.due_soon_latest.due_at IS 'NgayHenTra / due date (local time)';
COMMENT ON COLUMN kpi.due_soon_latest.due_day IS 'Ngày hẹn trả / calendar day of NgayHenTra';
COMMENT ON COLUMN kpi.due_soon_latest.working_days_left IS 'Số ngày làm việc còn lại / working days left (negative: overdue)';
COMMENT ON COLUMN kpi.due_soon_latest.supplement_count IS 'Số lần yêu cầu bổ sung / supplement requests';
COMMENT ON COLUMN kpi.due_soon_latest.has_apology IS 'Có thư xin lỗi / has an apology letter';
COMMENT ON COLUMN kpi.due_soon_latest.apology_on_time IS 'Xin lỗi đúng hạn / a letter is dated on or before the due day';
COMMENT ON COLUMN kpi.due_soon_latest.apology_owed IS 'Cần thư xin lỗi / an apology letter is owed (see kpi.apology_watch)';
COMMENT ON COLUMN kpi.due_soon_latest.first_apology_at IS 'NgayXinLoi / date of the first apology letter';
COMMENT ON COLUMN kpi.due_soon_latest.refreshed_at IS 'Thời điểm tính / when the snapshot was built';

CREATE VIEW kpi.apology_watch_latest AS
SELECT w.*
FROM kpi.apology_watch AS w
WHERE w.as_of = (SELECT max(r.as_of) FROM kpi.due_soon_run AS r);
COMMENT ON VIEW kpi.apology_watch_latest IS 'Theo dõi thư xin lỗi, ngày mới nhất / kpi.apology_watch for the latest run day refreshed';
COMMENT ON COLUMN kpi.apology_watch_latest.as_of IS 'Ngày cảnh báo / run day D the list was built for';
COMMENT ON COLUMN kpi.apology_watch_latest.dossier_code IS 'MaHoSo / dossier code';
COMMENT ON COLUMN kpi.apology_watch_latest.category IS 'Nhóm / apology_owed or apology_late';
COMMENT ON COLUMN kpi.apology_watch_latest.agency_code IS 'MaDonVi / agency handling the dossier';
COMMENT ON COLUMN kpi.apology_watch_latest.agency_name IS 'DonViXuLy / agency name as the dossier carries it';
COMMENT ON COLUMN kpi.apology_watch_latest.procedure_code IS 'MaTTHC / procedure code';
COMMENT ON COLUMN kpi.apology_watch_latest.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.apology_watch_latest.channel IS 'KenhThucHien / channel: 1 in person, 2 online, 3 post (BCCI)';
COMMENT ON COLUMN kpi.apology_watch_latest.status IS 'TrangThaiHoSo / current status';
COMMENT ON COLUMN kpi.apology_watch_latest.received_at IS 'NgayTiepNhan / received (local time)';
COMMENT ON COLUMN kpi.apology_watch_latest.due_at IS 'NgayHenTra / due date (local time)';
COMMENT ON COLUMN kpi.apology_watch_latest.due_day IS 'Ngày hẹn trả / calendar day of NgayHenTra';
COMMENT ON COLUMN kpi.apology_watch_latest.finished_at IS 'NgayKetThucXuLy / processing finished (apology_late only)';
COMMENT ON COLUMN kpi.apology_watch_latest.working_days_left IS 'Số ngày làm việc còn lại / working days left (negative: overdue or late)';
COMMENT ON COLUMN kpi.apology_watch_latest.supplement_count IS 'Số lần yêu cầu bổ sung / supplement requests';
COMMENT ON COLUMN kpi.apology_watch_latest.first_apology_at IS 'NgayXinLoi / date of the first apology letter, if any';
COMMENT ON COLUMN kpi.apology_watch_latest.refreshed_at IS 'Thời điểm tính / when the snapshot was built';

-- BI reads schema kpi (V007); grant explicitly in case the default privileges were set by another role.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        GRANT SELECT ON kpi.due_soon, kpi.apology_watch, kpi.due_soon_run, kpi.due_soon_latest,
            kpi.apology_watch_latest TO bi_reader;
    END IF;
END
$$;
