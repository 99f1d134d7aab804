-- BI layer: stable views in schema kpi, and a bi_reader role that reads kpi and nothing else.

CREATE VIEW kpi.agency AS
SELECT DISTINCT ON (a.code)
    a.code AS agency_code,
    a.name AS agency_name,
    a.level AS agency_level,
    a.parent_code,
    a.valid_from,
    a.valid_to
FROM core.agency AS a
ORDER BY a.code, a.valid_from DESC;
COMMENT ON VIEW kpi.agency IS 'Danh mục đơn vị / agencies with their latest name and level (one row per code)';
COMMENT ON COLUMN kpi.agency.agency_code IS 'Mã đơn vị / agency code (MaDonVi)';
COMMENT ON COLUMN kpi.agency.agency_name IS 'Tên đơn vị / latest agency name (TenDonVi)';
COMMENT ON COLUMN kpi.agency.agency_level IS 'Cấp / PROVINCE (provincial level, incl. the province itself) or COMMUNE';
COMMENT ON COLUMN kpi.agency.parent_code IS 'Đơn vị cha / parent agency code';
COMMENT ON COLUMN kpi.agency.valid_from IS 'Hiệu lực từ / first day of the latest version';
COMMENT ON COLUMN kpi.agency.valid_to IS 'Hiệu lực đến / last day valid; NULL while current';

CREATE VIEW kpi.kpi_monthly AS
SELECT v.period_start AS month, v.as_of, v.agency_code, a.agency_name, a.agency_level,
       v.kpi, v.numerator, v.denominator, v.value, v.target, v.comparator, v.meets_target
FROM kpi.kpi_value AS v
LEFT JOIN kpi.agency AS a USING (agency_code)
WHERE v.period_grain = 'month';
COMMENT ON VIEW kpi.kpi_monthly IS 'Chỉ số theo tháng / monthly KPI values per agency and for the province (current month = month to date)';
COMMENT ON COLUMN kpi.kpi_monthly.month IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.kpi_monthly.as_of IS 'Đến ngày / last day evaluated';
COMMENT ON COLUMN kpi.kpi_monthly.agency_code IS 'Mã đơn vị / agency code; the province code for the whole province';
COMMENT ON COLUMN kpi.kpi_monthly.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.kpi_monthly.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.kpi_monthly.kpi IS 'Chỉ số / KPI name';
COMMENT ON COLUMN kpi.kpi_monthly.numerator IS 'Tử số / numerator';
COMMENT ON COLUMN kpi.kpi_monthly.denominator IS 'Mẫu số / denominator';
COMMENT ON COLUMN kpi.kpi_monthly.value IS 'Giá trị / value (ratio as a fraction, or count)';
COMMENT ON COLUMN kpi.kpi_monthly.target IS 'Chỉ tiêu / target';
COMMENT ON COLUMN kpi.kpi_monthly.comparator IS 'So sánh / >=, <= or =';
COMMENT ON COLUMN kpi.kpi_monthly.meets_target IS 'Đạt / meets target (NULL: nothing to judge)';

CREATE VIEW kpi.kpi_daily AS
SELECT v.period_start AS day, v.agency_code, a.agency_name, a.agency_level,
       v.kpi, v.numerator, v.denominator, v.value, v.target, v.comparator, v.meets_target
FROM kpi.kpi_value AS v
LEFT JOIN kpi.agency AS a USING (agency_code)
WHERE v.period_grain = 'day';
COMMENT ON VIEW kpi.kpi_daily IS 'Chỉ số theo ngày / daily KPI values per agency and for the province';
COMMENT ON COLUMN kpi.kpi_daily.day IS 'Ngày / the local day';
COMMENT ON COLUMN kpi.kpi_daily.agency_code IS 'Mã đơn vị / agency code; the province code for the whole province';
COMMENT ON COLUMN kpi.kpi_daily.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.kpi_daily.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.kpi_daily.kpi IS 'Chỉ số / KPI name';
COMMENT ON COLUMN kpi.kpi_daily.numerator IS 'Tử số / numerator';
COMMENT ON COLUMN kpi.kpi_daily.denominator IS 'Mẫu số / denominator';
COMMENT ON COLUMN kpi.kpi_daily.value IS 'Giá trị / value (ratio as a fraction, or count)';
COMMENT ON COLUMN kpi.kpi_daily.target IS 'Chỉ tiêu / target';
COMMENT ON COLUMN kpi.kpi_daily.comparator IS 'So sánh / >=, <= or =';
COMMENT ON COLUMN kpi.kpi_daily.meets_target IS 'Đạt / meets target (NULL: nothing to judge)';

CREATE VIEW kpi.form06_monthly AS
SELECT s.period_start AS month, s.as_of, s.agency_code, a.agency_name, a.agency_level,
       s.received_total, s.received_online, s.received_offline, s.carried_over,
       s.resolved_total, s.resolved_early, s.resolved_on_time, s.resolved_late,
       s.in_progress_total, s.in_progress_within_deadline, s.in_progress_overdue
FROM kpi.dossier_stats AS s
LEFT JOIN kpi.agency AS a USING (agency_code)
WHERE s.period_grain = 'month';
COMMENT ON VIEW kpi.form06_monthly IS 'Mẫu 06 theo tháng / report form 06 (columns 3–13) per month and agency, province included';
COMMENT ON COLUMN kpi.form06_monthly.month IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.form06_monthly.as_of IS 'Đến ngày / last day evaluated';
COMMENT ON COLUMN kpi.form06_monthly.agency_code IS 'Mã đơn vị / agency code; the province code for the whole province';
COMMENT ON COLUMN kpi.form06_monthly.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.form06_monthly.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.form06_monthly.received_total IS 'Cột 3 – Tổng số tiếp nhận / received, total';
COMMENT ON COLUMN kpi.form06_monthly.received_online IS 'Cột 4 – Trực tuyến / received online';
COMMENT ON COLUMN kpi.form06_monthly.received_offline IS 'Cột 5 – Trực tiếp, BCCI / received in person or by post';
COMMENT ON COLUMN kpi.form06_monthly.carried_over IS 'Cột 6 – Kỳ trước chuyển qua / carried over';
COMMENT ON COLUMN kpi.form06_monthly.resolved_total IS 'Cột 7 – Đã giải quyết / resolved';
COMMENT ON COLUMN kpi.form06_monthly.resolved_early IS 'Cột 8 – Trước hạn / before deadline';
COMMENT ON COLUMN kpi.form06_monthly.resolved_on_time IS 'Cột 9 – Đúng hạn / on time';
COMMENT ON COLUMN kpi.form06_monthly.resolved_late IS 'Cột 10 – Quá hạn / late';
COMMENT ON COLUMN kpi.form06_monthly.in_progress_total IS 'Cột 11 – Đang giải quyết / in progress';
COMMENT ON COLUMN kpi.form06_monthly.in_progress_within_deadline IS 'Cột 12 – Trong hạn / within deadline';
COMMENT ON COLUMN kpi.form06_monthly.in_progress_overdue IS 'Cột 13 – Quá hạn / overdue';

CREATE VIEW kpi.form06_daily AS
SELECT s.period_start AS day, s.agency_code, a.agency_name, a.agency_level,
       s.received_total, s.received_online, s.received_offline, s.carried_over,
       s.resolved_total, s.resolved_early, s.resolved_on_time, s.resolved_late,
       s.in_progress_total, s.in_progress_within_deadline, s.in_progress_overdue
FROM kpi.dossier_stats AS s
LEFT JOIN kpi.agency AS a USING (agency_code)
WHERE s.period_grain = 'day';
COMMENT ON VIEW kpi.form06_daily IS 'Mẫu 06 theo ngày / report form 06 (columns 3–13) per day and agency, province included';
COMMENT ON COLUMN kpi.form06_daily.day IS 'Ngày / the local day';
COMMENT ON COLUMN kpi.form06_daily.agency_code IS 'Mã đơn vị / agency code; the province code for the whole province';
COMMENT ON COLUMN kpi.form06_daily.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.form06_daily.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.form06_daily.received_total IS 'Cột 3 – Tổng số tiếp nhận / received, total';
COMMENT ON COLUMN kpi.form06_daily.received_online IS 'Cột 4 – Trực tuyến / received online';
COMMENT ON COLUMN kpi.form06_daily.received_offline IS 'Cột 5 – Trực tiếp, BCCI / received in person or by post';
COMMENT ON COLUMN kpi.form06_daily.carried_over IS 'Cột 6 – Kỳ trước chuyển qua / carried over';
COMMENT ON COLUMN kpi.form06_daily.resolved_total IS 'Cột 7 – Đã giải quyết / resolved';
COMMENT ON COLUMN kpi.form06_daily.resolved_early IS 'Cột 8 – Trước hạn / before deadline';
COMMENT ON COLUMN kpi.form06_daily.resolved_on_time IS 'Cột 9 – Đúng hạn / on time';
COMMENT ON COLUMN kpi.form06_daily.resolved_late IS 'Cột 10 – Quá hạn / late';
COMMENT ON COLUMN kpi.form06_daily.in_progress_total IS 'Cột 11 – Đang giải quyết / in progress';
COMMENT ON COLUMN kpi.form06_daily.in_progress_within_deadline IS 'Cột 12 – Trong hạn / within deadline';
COMMENT ON COLUMN kpi.form06_daily.in_progress_overdue IS 'Cột 13 – Quá hạn / overdue';

-- The read-only BI role (cluster-wide, so created once; grants are per database).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE bi_reader IS 'Người đọc BI / BI tools: read-only access to schema kpi and nothing else';
REVOKE ALL ON SCHEMA raw, staging, core, quality, ops FROM bi_reader;
GRANT USAGE ON SCHEMA kpi TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA kpi TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA kpi GRANT SELECT ON TABLES TO bi_reader;
