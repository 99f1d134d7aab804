-- KPI layer: form 06 statistics, KPI values in long format, targets as data.

CREATE TABLE kpi.dossier_stats (
    period_grain   text NOT NULL CHECK (period_grain IN ('day', 'month')),
    period_start   date NOT NULL,
    as_of          date NOT NULL,
    agency_code    text NOT NULL,
    received_total integer NOT NULL,
    received_online integer NOT NULL,
    received_offline integer NOT NULL,
    carried_over   integer NOT NULL,
    resolved_total integer NOT NULL,
    resolved_early integer NOT NULL,
    resolved_on_time integer NOT NULL,
    resolved_late  integer NOT NULL,
    in_progress_total integer NOT NULL,
    in_progress_within_deadline integer NOT NULL,
    in_progress_overdue integer NOT NULL,
    received_online_capable integer NOT NULL,
    received_online_capable_online integer NOT NULL,
    received_full_online_capable integer NOT NULL,
    received_full_online_capable_online integer NOT NULL,
    late_without_apology integer NOT NULL,
    multi_supplement integer NOT NULL,
    PRIMARY KEY (period_grain, period_start, agency_code)
);
CREATE INDEX dossier_stats_agency ON kpi.dossier_stats (agency_code, period_grain, period_start);

COMMENT ON TABLE kpi.dossier_stats IS 'Tình hình, kết quả giải quyết TTHC (mẫu 06, TT 01/2020/TT-VPCP) / form 06 statistics per day or month and agency; agency_code = province code for the whole province';
COMMENT ON COLUMN kpi.dossier_stats.period_grain IS 'Kỳ / period grain: day or month';
COMMENT ON COLUMN kpi.dossier_stats.period_start IS 'Từ ngày / first day of the period';
COMMENT ON COLUMN kpi.dossier_stats.as_of IS 'Đến ngày / last day evaluated: the period''s last day, or the watermark when earlier (month to date)';
COMMENT ON COLUMN kpi.dossier_stats.agency_code IS 'Mã đơn vị / agency code (MaDonVi); the province code means the whole province';
COMMENT ON COLUMN kpi.dossier_stats.received_total IS 'Cột 3 – Tổng số hồ sơ tiếp nhận / received, total = (4)+(5)+(6)';
COMMENT ON COLUMN kpi.dossier_stats.received_online IS 'Cột 4 – Tiếp nhận trực tuyến trong kỳ / received online in period';
COMMENT ON COLUMN kpi.dossier_stats.received_offline IS 'Cột 5 – Tiếp nhận trực tiếp, qua BCCI trong kỳ / received in person or by post in period';
COMMENT ON COLUMN kpi.dossier_stats.carried_over IS 'Cột 6 – Kỳ trước chuyển qua / carried over from before the period';
COMMENT ON COLUMN kpi.dossier_stats.resolved_total IS 'Cột 7 – Đã giải quyết / resolved, total';
COMMENT ON COLUMN kpi.dossier_stats.resolved_early IS 'Cột 8 – Trước hạn / resolved before the due day';
COMMENT ON COLUMN kpi.dossier_stats.resolved_on_time IS 'Cột 9 – Đúng hạn / resolved on the due day (or withdrawn, or no due date)';
COMMENT ON COLUMN kpi.dossier_stats.resolved_late IS 'Cột 10 – Quá hạn / resolved after the due day';
COMMENT ON COLUMN kpi.dossier_stats.in_progress_total IS 'Cột 11 – Đang giải quyết / in progress at the end of the period';
COMMENT ON COLUMN kpi.dossier_stats.in_progress_within_deadline IS 'Cột 12 – Trong hạn / in progress, within deadline (paused counts here)';
COMMENT ON COLUMN kpi.dossier_stats.in_progress_overdue IS 'Cột 13 – Quá hạn / in progress, overdue';
COMMENT ON COLUMN kpi.dossier_stats.received_online_capable IS 'Tiếp nhận trong kỳ của TTHC mức độ 3, 4 / received in period, procedure offers an online service (MucDo 3 or 4)';
COMMENT ON COLUMN kpi.dossier_stats.received_online_capable_online IS 'Trong đó trực tuyến / of those, received online';
COMMENT ON COLUMN kpi.dossier_stats.received_full_online_capable IS 'Tiếp nhận trong kỳ của TTHC toàn trình / received in period, fully online procedure (MucDo 4)';
COMMENT ON COLUMN kpi.dossier_stats.received_full_online_capable_online IS 'Trong đó trực tuyến / of those, received online';
COMMENT ON COLUMN kpi.dossier_stats.late_without_apology IS 'Quá hạn không có thư xin lỗi đúng hạn / of column 10: no apology letter dated on or before the due day';
COMMENT ON COLUMN kpi.dossier_stats.multi_supplement IS 'Yêu cầu bổ sung quá 1 lần / received in period with more than one supplement request';

CREATE TABLE kpi.target (
    target_id     serial PRIMARY KEY,
    kpi           text NOT NULL,
    agency_level  text CHECK (agency_level IN ('PROVINCE', 'COMMUNE')),
    agency_code   text,
    comparator    text NOT NULL CHECK (comparator IN ('>=', '<=', '=')),
    target        numeric NOT NULL,
    valid_from    date NOT NULL DEFAULT DATE '2000-01-01',
    valid_to      date,
    note          text,
    CHECK (agency_level IS NULL OR agency_code IS NULL)
);
COMMENT ON TABLE kpi.target IS 'Chỉ tiêu / KPI targets as data: per KPI, optionally per agency level or agency, with validity dates; the most specific valid row applies';
COMMENT ON COLUMN kpi.target.kpi IS 'Tên chỉ số / KPI name as in kpi.kpi_value';
COMMENT ON COLUMN kpi.target.agency_level IS 'Cấp / PROVINCE or COMMUNE agencies; NULL = all';
COMMENT ON COLUMN kpi.target.agency_code IS 'Mã đơn vị / one agency (or the province code); NULL = all';
COMMENT ON COLUMN kpi.target.comparator IS 'So sánh / how value is compared with target: >=, <= or =';
COMMENT ON COLUMN kpi.target.target IS 'Chỉ tiêu / the target value (ratios as fractions: 0.60 = 60 %)';
COMMENT ON COLUMN kpi.target.valid_from IS 'Hiệu lực từ / first day the target applies';
COMMENT ON COLUMN kpi.target.valid_to IS 'Hiệu lực đến / last day the target applies; NULL = open';
COMMENT ON COLUMN kpi.target.note IS 'Ghi chú / source of the target';
COMMENT ON COLUMN kpi.target.target_id IS 'Khóa / surrogate key';

INSERT INTO kpi.target (kpi, comparator, target, note) VALUES
    ('online_share', '>=', 0.60, 'Kế hoạch: ≥ 60 % hồ sơ TTHC có DVC trực tuyến được nộp trực tuyến'),
    ('on_time_rate', '>=', 1.00, 'Kế hoạch: 100 % hồ sơ giải quyết đúng và sớm hạn'),
    ('late_count', '=', 0, 'Kế hoạch: không để trễ hẹn'),
    ('late_without_apology', '=', 0, 'Kế hoạch: trễ hẹn phải có văn bản xin lỗi'),
    ('multi_supplement_count', '=', 0, 'Kế hoạch: không yêu cầu bổ sung quá một lần'),
    ('iso9001_compliant_share', '>=', 1.00, 'Kế hoạch: 100 % cơ quan áp dụng TCVN ISO 9001:2015');

CREATE TABLE kpi.kpi_value (
    kpi           text NOT NULL,
    period_grain  text NOT NULL CHECK (period_grain IN ('day', 'month')),
    period_start  date NOT NULL,
    agency_code   text NOT NULL,
    as_of         date NOT NULL,
    numerator     numeric,
    denominator   numeric,
    value         numeric,
    target        numeric,
    comparator    text,
    meets_target  boolean,
    PRIMARY KEY (kpi, period_grain, period_start, agency_code)
);
CREATE INDEX kpi_value_agency ON kpi.kpi_value (agency_code, kpi, period_grain, period_start);
COMMENT ON TABLE kpi.kpi_value IS 'Giá trị chỉ số / KPI values in long format, one row per (kpi, grain, period, agency), judged against kpi.target';
COMMENT ON COLUMN kpi.kpi_value.kpi IS 'Tên chỉ số / KPI: online_share, online_share_all, full_online_share, on_time_rate, late_count, overdue_in_progress, late_without_apology, multi_supplement_count, iso9001_compliant_share';
COMMENT ON COLUMN kpi.kpi_value.period_grain IS 'Kỳ / day or month';
COMMENT ON COLUMN kpi.kpi_value.period_start IS 'Từ ngày / first day of the period';
COMMENT ON COLUMN kpi.kpi_value.agency_code IS 'Mã đơn vị / agency code, or the province code for the whole province';
COMMENT ON COLUMN kpi.kpi_value.as_of IS 'Đến ngày / last day evaluated';
COMMENT ON COLUMN kpi.kpi_value.numerator IS 'Tử số / numerator (for counts: the count)';
COMMENT ON COLUMN kpi.kpi_value.denominator IS 'Mẫu số / denominator (for counts: the base, for context)';
COMMENT ON COLUMN kpi.kpi_value.value IS 'Giá trị / ratio (NULL when the denominator is 0) or count (never NULL)';
COMMENT ON COLUMN kpi.kpi_value.target IS 'Chỉ tiêu / target that applied';
COMMENT ON COLUMN kpi.kpi_value.comparator IS 'So sánh / >=, <= or =';
COMMENT ON COLUMN kpi.kpi_value.meets_target IS 'Đạt / value meets target; NULL when there is nothing to judge or no target';
