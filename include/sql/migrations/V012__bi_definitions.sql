-- BI schema that needs no explaining (issue #15): KPI definitions as data, and views that
-- carry each KPI's unit and Vietnamese name, percent columns for ratios, the gap to target
-- and an is_latest_month flag, so dashboards never hard-code a KPI label or a month.
-- Ratios stay fractions in kpi.kpi_value; the *_pct columns are the percent form for BI.

CREATE TABLE kpi.kpi_definition (
    code        text PRIMARY KEY,
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    unit        text NOT NULL CHECK (unit IN ('ratio', 'count')),
    direction   text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    description text NOT NULL
);
COMMENT ON TABLE kpi.kpi_definition IS 'Định nghĩa chỉ số / every KPI code used in kpi.kpi_value with its Vietnamese and English name, unit and direction';
COMMENT ON COLUMN kpi.kpi_definition.code IS 'Mã chỉ số / KPI code as in kpi.kpi_value.kpi and kpi.target.kpi';
COMMENT ON COLUMN kpi.kpi_definition.name_vi IS 'Tên chỉ số / Vietnamese name shown on dashboards and in alerts';
COMMENT ON COLUMN kpi.kpi_definition.name_en IS 'Tên tiếng Anh / English name';
COMMENT ON COLUMN kpi.kpi_definition.unit IS 'Đơn vị / ratio (a fraction 0..1, shown as percent) or count (dossiers or agencies)';
COMMENT ON COLUMN kpi.kpi_definition.direction IS 'Chiều tốt / higher_is_better or lower_is_better';
COMMENT ON COLUMN kpi.kpi_definition.description IS 'Cách tính / numerator and denominator, in words';

INSERT INTO kpi.kpi_definition (code, name_vi, name_en, unit, direction, description) VALUES
    ('online_share', 'Tỷ lệ hồ sơ nộp trực tuyến (TTHC có DVC trực tuyến)',
     'Online share (procedures with an online service)', 'ratio', 'higher_is_better',
     'Hồ sơ nộp trực tuyến / hồ sơ tiếp nhận của TTHC mức độ 3, 4 — dossiers received online over dossiers received for procedures that offer an online service'),
    ('online_share_all', 'Tỷ lệ hồ sơ nộp trực tuyến (mọi TTHC)',
     'Online share (all procedures)', 'ratio', 'higher_is_better',
     'Mẫu 06 cột 4 / (cột 4 + cột 5) — received online over all dossiers received in the period'),
    ('full_online_share', 'Tỷ lệ hồ sơ trực tuyến của TTHC toàn trình',
     'Fully online share', 'ratio', 'higher_is_better',
     'Hồ sơ nộp trực tuyến / hồ sơ tiếp nhận của TTHC toàn trình (mức độ 4) — received online over received for fully online procedures'),
    ('on_time_rate', 'Tỷ lệ giải quyết đúng và sớm hạn',
     'On-time rate', 'ratio', 'higher_is_better',
     'Mẫu 06 (cột 8 + cột 9) / cột 7 — resolved early or on time over resolved'),
    ('late_count', 'Số hồ sơ trễ hẹn',
     'Late dossiers', 'count', 'lower_is_better',
     'Mẫu 06 cột 10 — dossiers resolved after their due day'),
    ('overdue_in_progress', 'Số hồ sơ đang giải quyết quá hạn',
     'Overdue dossiers in progress', 'count', 'lower_is_better',
     'Mẫu 06 cột 13 — dossiers still in progress past their due day at the end of the period'),
    ('late_without_apology', 'Hồ sơ trễ hẹn không có thư xin lỗi đúng hạn',
     'Late dossiers without a timely apology', 'count', 'lower_is_better',
     'Trong cột 10: không có thư xin lỗi ghi ngày trước hạn — of column 10, no apology letter dated on or before the due day'),
    ('multi_supplement_count', 'Hồ sơ yêu cầu bổ sung quá một lần',
     'Dossiers asked for supplements more than once', 'count', 'lower_is_better',
     'Hồ sơ tiếp nhận trong kỳ có hơn một yêu cầu bổ sung — received in the period with more than one supplement request'),
    ('iso9001_compliant_share', 'Tỷ lệ cơ quan đạt ISO 9001',
     'ISO 9001 compliant share', 'ratio', 'higher_is_better',
     'Cơ quan đạt mọi quy tắc / cơ quan trong phạm vi — agencies meeting every ISO 9001 rule over agencies in scope');

-- Vietnamese number text: d3-style grouping with '.' and decimal ','; independent of lc_numeric.
CREATE FUNCTION kpi.vn_number(value numeric, decimals integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(
        to_char(value, CASE WHEN decimals > 0
                            THEN 'FM999,999,999,990.' || repeat('0', decimals)
                            ELSE 'FM999,999,999,990' END),
        ',.', '.,')
$$;
COMMENT ON FUNCTION kpi.vn_number(numeric, integer) IS 'Số kiểu Việt Nam / a number as Vietnamese text: 1.234,5 (thousands ".", decimals ",")';

CREATE FUNCTION kpi.kpi_label(value numeric, unit text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN NULL
                WHEN unit = 'ratio' THEN kpi.vn_number(round(value * 100, 1), 1) || ' %'
                ELSE kpi.vn_number(round(value), 0) END
$$;
COMMENT ON FUNCTION kpi.kpi_label(numeric, text) IS 'Nhãn giá trị / a KPI value as text: ratios as percent (79,3 %), counts as whole numbers (1.234)';

-- Append columns to the V007 views (CREATE OR REPLACE keeps the existing ones in place).
CREATE OR REPLACE VIEW kpi.kpi_monthly AS
SELECT v.period_start AS month, v.as_of, v.agency_code, a.agency_name, a.agency_level,
       v.kpi, v.numerator, v.denominator, v.value, v.target, v.comparator, v.meets_target,
       d.name_vi AS kpi_name_vi, d.name_en AS kpi_name_en, d.unit, d.direction,
       v.value - v.target AS gap,
       CASE WHEN v.value IS NULL OR v.target IS NULL THEN NULL
            WHEN v.comparator = '>=' THEN greatest(v.target - v.value, 0)
            WHEN v.comparator = '<=' THEN greatest(v.value - v.target, 0)
            ELSE abs(v.value - v.target) END AS shortfall,
       CASE WHEN d.unit = 'ratio' THEN round(v.value * 100, 2) END AS value_pct,
       CASE WHEN d.unit = 'ratio' THEN round(v.target * 100, 2) END AS target_pct,
       CASE WHEN d.unit = 'ratio' THEN round((v.value - v.target) * 100, 2) END AS gap_pct,
       kpi.kpi_label(v.value, d.unit) AS value_label,
       kpi.kpi_label(v.target, d.unit) AS target_label,
       CASE WHEN v.value IS NULL OR v.target IS NULL THEN NULL
            WHEN d.unit = 'ratio'
                THEN CASE WHEN v.value >= v.target THEN '+' ELSE '−' END
                     || kpi.vn_number(round(abs(v.value - v.target) * 100, 1), 1) || ' điểm %'
            ELSE CASE WHEN v.value >= v.target THEN '+' ELSE '−' END
                 || kpi.vn_number(round(abs(v.value - v.target)), 0) END AS gap_label,
       CASE WHEN v.agency_code LIKE '%:%' THEN 'level'
            WHEN v.agency_code NOT LIKE '%.%' THEN 'province'
            ELSE 'agency' END AS scope,
       v.period_start = (SELECT max(m.period_start) FROM kpi.kpi_value AS m
                         WHERE m.period_grain = 'month') AS is_latest_month
FROM kpi.kpi_value AS v
LEFT JOIN kpi.agency AS a USING (agency_code)
LEFT JOIN kpi.kpi_definition AS d ON d.code = v.kpi
WHERE v.period_grain = 'month';

CREATE OR REPLACE VIEW kpi.kpi_daily AS
SELECT v.period_start AS day, v.agency_code, a.agency_name, a.agency_level,
       v.kpi, v.numerator, v.denominator, v.value, v.target, v.comparator, v.meets_target,
       d.name_vi AS kpi_name_vi, d.name_en AS kpi_name_en, d.unit, d.direction,
       v.value - v.target AS gap,
       CASE WHEN v.value IS NULL OR v.target IS NULL THEN NULL
            WHEN v.comparator = '>=' THEN greatest(v.target - v.value, 0)
            WHEN v.comparator = '<=' THEN greatest(v.value - v.target, 0)
            ELSE abs(v.value - v.target) END AS shortfall,
       CASE WHEN d.unit = 'ratio' THEN round(v.value * 100, 2) END AS value_pct,
       CASE WHEN d.unit = 'ratio' THEN round(v.target * 100, 2) END AS target_pct,
       CASE WHEN d.unit = 'ratio' THEN round((v.value - v.target) * 100, 2) END AS gap_pct,
       kpi.kpi_label(v.value, d.unit) AS value_label,
       kpi.kpi_label(v.target, d.unit) AS target_label,
       CASE WHEN v.value IS NULL OR v.target IS NULL THEN NULL
            WHEN d.unit = 'ratio'
                THEN CASE WHEN v.value >= v.target THEN '+' ELSE '−' END
                     || kpi.vn_number(round(abs(v.value - v.target) * 100, 1), 1) || ' điểm %'
            ELSE CASE WHEN v.value >= v.target THEN '+' ELSE '−' END
                 || kpi.vn_number(round(abs(v.value - v.target)), 0) END AS gap_label,
       CASE WHEN v.agency_code LIKE '%:%' THEN 'level'
            WHEN v.agency_code NOT LIKE '%.%' THEN 'province'
            ELSE 'agency' END AS scope
FROM kpi.kpi_value AS v
LEFT JOIN kpi.agency AS a USING (agency_code)
LEFT JOIN kpi.kpi_definition AS d ON d.code = v.kpi
WHERE v.period_grain = 'day';
COMMENT ON COLUMN kpi.kpi_monthly.kpi_name_vi IS 'Tên chỉ số / KPI name in Vietnamese (kpi.kpi_definition)';
COMMENT ON COLUMN kpi.kpi_monthly.kpi_name_en IS 'Tên tiếng Anh / KPI name in English';
COMMENT ON COLUMN kpi.kpi_monthly.unit IS 'Đơn vị / ratio (value is a fraction) or count';
COMMENT ON COLUMN kpi.kpi_monthly.direction IS 'Chiều tốt / higher_is_better or lower_is_better';
COMMENT ON COLUMN kpi.kpi_monthly.gap IS 'Chênh lệch / value − target in the KPI''s unit (fraction or count); NULL without a value or target';
COMMENT ON COLUMN kpi.kpi_monthly.shortfall IS 'Thiếu hụt / how far the value is on the wrong side of the target (0 when met), in the KPI''s unit; sort descending for worst first';
COMMENT ON COLUMN kpi.kpi_monthly.value_pct IS 'Giá trị (%) / value × 100 for ratios; NULL for counts';
COMMENT ON COLUMN kpi.kpi_monthly.target_pct IS 'Chỉ tiêu (%) / target × 100 for ratios; NULL for counts';
COMMENT ON COLUMN kpi.kpi_monthly.gap_pct IS 'Chênh lệch (điểm %) / (value − target) × 100 for ratios, in percentage points; NULL for counts';
COMMENT ON COLUMN kpi.kpi_monthly.value_label IS 'Giá trị (chữ) / value as Vietnamese text: 79,3 % or 1.234';
COMMENT ON COLUMN kpi.kpi_monthly.target_label IS 'Chỉ tiêu (chữ) / target as Vietnamese text';
COMMENT ON COLUMN kpi.kpi_monthly.is_latest_month IS 'Tháng mới nhất / the row is of the latest month computed (month to date): what dashboards call this month';
COMMENT ON COLUMN kpi.kpi_daily.kpi_name_vi IS 'Tên chỉ số / KPI name in Vietnamese (kpi.kpi_definition)';
COMMENT ON COLUMN kpi.kpi_daily.kpi_name_en IS 'Tên tiếng Anh / KPI name in English';
COMMENT ON COLUMN kpi.kpi_daily.unit IS 'Đơn vị / ratio (value is a fraction) or count';
COMMENT ON COLUMN kpi.kpi_daily.direction IS 'Chiều tốt / higher_is_better or lower_is_better';
COMMENT ON COLUMN kpi.kpi_daily.gap IS 'Chênh lệch / value − target in the KPI''s unit (fraction or count); NULL without a value or target';
COMMENT ON COLUMN kpi.kpi_daily.shortfall IS 'Thiếu hụt / how far the value is on the wrong side of the target (0 when met), in the KPI''s unit; sort descending for worst first';
COMMENT ON COLUMN kpi.kpi_daily.value_pct IS 'Giá trị (%) / value × 100 for ratios; NULL for counts';
COMMENT ON COLUMN kpi.kpi_daily.target_pct IS 'Chỉ tiêu (%) / target × 100 for ratios; NULL for counts';
COMMENT ON COLUMN kpi.kpi_daily.gap_pct IS 'Chênh lệch (điểm %) / (value − target) × 100 for ratios, in percentage points; NULL for counts';
COMMENT ON COLUMN kpi.kpi_daily.value_label IS 'Giá trị (chữ) / value as Vietnamese text: 79,3 % or 1.234';
COMMENT ON COLUMN kpi.kpi_daily.target_label IS 'Chỉ tiêu (chữ) / target as Vietnamese text';

COMMENT ON COLUMN kpi.kpi_monthly.gap_label IS 'Chênh lệch (chữ) / value − target as Vietnamese text: −3,2 điểm % for ratios, +5 for counts';
COMMENT ON COLUMN kpi.kpi_monthly.scope IS 'Phạm vi / province (the province code, no "."), level (<province>:PROVINCE or <province>:COMMUNE, ISO 9001 only) or agency';
COMMENT ON COLUMN kpi.kpi_daily.gap_label IS 'Chênh lệch (chữ) / value − target as Vietnamese text: −3,2 điểm % for ratios, +5 for counts';
COMMENT ON COLUMN kpi.kpi_daily.scope IS 'Phạm vi / province (the province code, no "."), level (<province>:PROVINCE or <province>:COMMUNE, ISO 9001 only) or agency';

CREATE OR REPLACE VIEW kpi.form06_monthly AS
SELECT s.period_start AS month, s.as_of, s.agency_code, a.agency_name, a.agency_level,
       s.received_total, s.received_online, s.received_offline, s.carried_over,
       s.resolved_total, s.resolved_early, s.resolved_on_time, s.resolved_late,
       s.in_progress_total, s.in_progress_within_deadline, s.in_progress_overdue,
       s.period_start = (SELECT max(m.period_start) FROM kpi.dossier_stats AS m
                         WHERE m.period_grain = 'month') AS is_latest_month
FROM kpi.dossier_stats AS s
LEFT JOIN kpi.agency AS a USING (agency_code)
WHERE s.period_grain = 'month';
COMMENT ON COLUMN kpi.form06_monthly.is_latest_month IS 'Tháng mới nhất / the row is of the latest month computed (month to date)';

CREATE VIEW kpi.channel_monthly AS
SELECT s.month, s.as_of, s.agency_code, s.agency_name, s.agency_level, c.channel, c.channel_vi,
       c.received, s.is_latest_month
FROM kpi.form06_monthly AS s
CROSS JOIN LATERAL (VALUES
    ('online', 'Trực tuyến / online', s.received_online),
    ('offline', 'Trực tiếp, BCCI / in person or by post', s.received_offline)
) AS c (channel, channel_vi, received);
COMMENT ON VIEW kpi.channel_monthly IS 'Tiếp nhận theo kênh / dossiers received in the month per channel (form 06 columns 4 and 5), one row per channel';
COMMENT ON COLUMN kpi.channel_monthly.month IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.channel_monthly.as_of IS 'Đến ngày / last day evaluated';
COMMENT ON COLUMN kpi.channel_monthly.agency_code IS 'Mã đơn vị / agency code; the province code for the whole province';
COMMENT ON COLUMN kpi.channel_monthly.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.channel_monthly.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.channel_monthly.channel IS 'Kênh / online or offline';
COMMENT ON COLUMN kpi.channel_monthly.channel_vi IS 'Tên kênh / channel label, Vietnamese / English';
COMMENT ON COLUMN kpi.channel_monthly.received IS 'Số hồ sơ tiếp nhận / dossiers received in the month on that channel';
COMMENT ON COLUMN kpi.channel_monthly.is_latest_month IS 'Tháng mới nhất / the row is of the latest month computed';

CREATE VIEW kpi.early_warning_agency AS
WITH soon AS (
    SELECT agency_code, max(agency_name) AS agency_name,
           count(*) FILTER (WHERE category = 'overdue') AS overdue,
           count(*) FILTER (WHERE category = 'due_soon') AS due_soon,
           count(*) FILTER (WHERE category = 'paused') AS paused
    FROM kpi.due_soon_latest
    GROUP BY agency_code
),
owed AS (
    SELECT agency_code, max(agency_name) AS agency_name,
           count(*) FILTER (WHERE category = 'apology_owed') AS apology_owed,
           count(*) FILTER (WHERE category = 'apology_late') AS apology_late
    FROM kpi.apology_watch_latest
    GROUP BY agency_code
)
SELECT (SELECT max(r.as_of) FROM kpi.due_soon_run AS r) AS as_of,
       agency_code,
       coalesce(a.agency_name, soon.agency_name, owed.agency_name) AS agency_name,
       a.agency_level,
       coalesce(soon.overdue, 0) AS overdue,
       coalesce(soon.due_soon, 0) AS due_soon,
       coalesce(soon.paused, 0) AS paused,
       coalesce(owed.apology_owed, 0) AS apology_owed,
       coalesce(owed.apology_late, 0) AS apology_late
FROM soon
FULL JOIN owed USING (agency_code)
LEFT JOIN kpi.agency AS a USING (agency_code);
COMMENT ON VIEW kpi.early_warning_agency IS 'Cảnh báo sớm theo đơn vị / per agency, on the latest early-warning day: dossiers overdue, due soon, paused, and apology letters owed or late (agencies with none are absent)';
COMMENT ON COLUMN kpi.early_warning_agency.as_of IS 'Ngày cảnh báo / latest run day refreshed (kpi.due_soon_run)';
COMMENT ON COLUMN kpi.early_warning_agency.agency_code IS 'Mã đơn vị / agency handling the dossiers';
COMMENT ON COLUMN kpi.early_warning_agency.agency_name IS 'Tên đơn vị / agency name (catalogue, else as the dossiers carry it)';
COMMENT ON COLUMN kpi.early_warning_agency.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.early_warning_agency.overdue IS 'Quá hạn / dossiers in progress past their due day';
COMMENT ON COLUMN kpi.early_warning_agency.due_soon IS 'Sắp đến hạn / dossiers due on the 1st or 2nd working day after as_of';
COMMENT ON COLUMN kpi.early_warning_agency.paused IS 'Tạm dừng / paused dossiers with such a due day';
COMMENT ON COLUMN kpi.early_warning_agency.apology_owed IS 'Cần thư xin lỗi / apology letters owed now';
COMMENT ON COLUMN kpi.early_warning_agency.apology_late IS 'Trễ hạn không xin lỗi đúng hạn / resolved late on as_of without a timely letter';

CREATE VIEW kpi.early_warning_dossier AS
SELECT s.as_of, s.dossier_code, s.category,
       CASE s.category WHEN 'overdue' THEN 'Quá hạn / overdue'
                       WHEN 'due_soon' THEN 'Sắp đến hạn / due soon'
                       ELSE 'Tạm dừng / paused' END AS category_vi,
       s.agency_code, coalesce(a.agency_name, s.agency_name) AS agency_name, a.agency_level,
       s.procedure_code, s.procedure_name,
       CASE s.channel WHEN 1 THEN 'Trực tiếp / in person' WHEN 2 THEN 'Trực tuyến / online'
                      WHEN 3 THEN 'BCCI / post' END AS channel_vi,
       s.received_at, s.due_at, s.due_day, s.working_days_left, s.apology_owed
FROM kpi.due_soon_latest AS s
LEFT JOIN kpi.agency AS a USING (agency_code);
COMMENT ON VIEW kpi.early_warning_dossier IS 'Danh sách hồ sơ sắp trễ hạn / the latest early-warning list, one row per dossier, with Vietnamese labels (codes only, no personal data)';
COMMENT ON COLUMN kpi.early_warning_dossier.as_of IS 'Ngày cảnh báo / run day the list was built for';
COMMENT ON COLUMN kpi.early_warning_dossier.dossier_code IS 'Mã hồ sơ / dossier code (MaHoSo)';
COMMENT ON COLUMN kpi.early_warning_dossier.category IS 'Nhóm / overdue, due_soon or paused';
COMMENT ON COLUMN kpi.early_warning_dossier.category_vi IS 'Tên nhóm / category label, Vietnamese / English';
COMMENT ON COLUMN kpi.early_warning_dossier.agency_code IS 'Mã đơn vị / agency handling the dossier';
COMMENT ON COLUMN kpi.early_warning_dossier.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.early_warning_dossier.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.early_warning_dossier.procedure_code IS 'Mã TTHC / procedure code';
COMMENT ON COLUMN kpi.early_warning_dossier.procedure_name IS 'Tên TTHC / procedure name';
COMMENT ON COLUMN kpi.early_warning_dossier.channel_vi IS 'Kênh / channel label';
COMMENT ON COLUMN kpi.early_warning_dossier.received_at IS 'Ngày tiếp nhận / received (local time)';
COMMENT ON COLUMN kpi.early_warning_dossier.due_at IS 'Ngày hẹn trả / due date (local time)';
COMMENT ON COLUMN kpi.early_warning_dossier.due_day IS 'Ngày hẹn trả / calendar day of the due date';
COMMENT ON COLUMN kpi.early_warning_dossier.working_days_left IS 'Số ngày làm việc còn lại / working days left (negative: overdue)';
COMMENT ON COLUMN kpi.early_warning_dossier.apology_owed IS 'Cần thư xin lỗi / an apology letter is owed';

CREATE VIEW kpi.iso9001_latest AS
SELECT c.day, c.agency_code, c.agency_name, c.agency_level, c.in_register, c.compliant,
       CASE WHEN c.compliant THEN 'Đạt / compliant' ELSE 'Không đạt / not compliant' END
           AS compliant_vi,
       cardinality(c.failed_rules) AS failed_rule_count,
       array_to_string(c.failed_rules, ', ') AS failed_rules,
       c.reason, c.audit_expires_on, c.review_expires_on
FROM kpi.iso9001_compliance AS c
WHERE c.day = (SELECT max(m.day) FROM kpi.iso9001_compliance AS m);
COMMENT ON VIEW kpi.iso9001_latest IS 'Áp dụng ISO 9001, ngày mới nhất / kpi.iso9001_compliance on its latest day, failing rules as text';
COMMENT ON COLUMN kpi.iso9001_latest.day IS 'Ngày / the day judged (latest computed)';
COMMENT ON COLUMN kpi.iso9001_latest.agency_code IS 'Mã đơn vị / agency code';
COMMENT ON COLUMN kpi.iso9001_latest.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.iso9001_latest.agency_level IS 'Cấp / PROVINCE (department) or COMMUNE';
COMMENT ON COLUMN kpi.iso9001_latest.in_register IS 'Có trong sổ / listed in the DOST register that day';
COMMENT ON COLUMN kpi.iso9001_latest.compliant IS 'Đạt / in the register and every rule holds';
COMMENT ON COLUMN kpi.iso9001_latest.compliant_vi IS 'Kết quả / Đạt or Không đạt, with English';
COMMENT ON COLUMN kpi.iso9001_latest.failed_rule_count IS 'Số quy tắc không đạt / number of failing rules';
COMMENT ON COLUMN kpi.iso9001_latest.failed_rules IS 'Quy tắc không đạt / failing rule names, comma separated (see docs/iso9001.md)';
COMMENT ON COLUMN kpi.iso9001_latest.reason IS 'Lý do / readable reason, Vietnamese then English';
COMMENT ON COLUMN kpi.iso9001_latest.audit_expires_on IS 'Hết hạn đánh giá nội bộ / internal audit expires';
COMMENT ON COLUMN kpi.iso9001_latest.review_expires_on IS 'Hết hạn xem xét lãnh đạo / management review expires';

-- bi_reader (V007) reads everything above; explicit in case default privileges belong to another role.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        GRANT SELECT ON kpi.kpi_definition, kpi.kpi_monthly, kpi.kpi_daily, kpi.form06_monthly,
            kpi.channel_monthly, kpi.early_warning_agency, kpi.early_warning_dossier,
            kpi.iso9001_latest TO bi_reader;
        GRANT EXECUTE ON FUNCTION kpi.vn_number(numeric, integer), kpi.kpi_label(numeric, text)
            TO bi_reader;
    END IF;
END
$$;
