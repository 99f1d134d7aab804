-- BI shapes of the Decision 766 tables (V013) for the "Điểm 766 / 766 points" dashboard:
-- names and Vietnamese labels next to the codes, numbers also as Vietnamese text for tables,
-- and "latest day" filters so a dashboard never hard-codes a date. Views only.

CREATE FUNCTION kpi.cause_766_vi(cause text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE cause
        WHEN 'late' THEN 'Đã trễ hạn / already late'
        WHEN 'turns_late' THEN 'Sẽ trễ hạn nếu không xử lý / turns late unless finished'
        WHEN 'online_needed' THEN 'Cần thêm hồ sơ trực tuyến / more online receipts needed'
        WHEN 'no_online_service' THEN 'TTHC chưa có DVC trực tuyến / procedure without online service'
        WHEN 'online_service_unused' THEN 'DVCTT chưa phát sinh hồ sơ / online service unused'
        WHEN 'not_paid_online' THEN 'Chưa thanh toán trực tuyến / fee not paid online'
    END
$$;
COMMENT ON FUNCTION kpi.cause_766_vi(text) IS 'Tên nguyên nhân / a kpi.points_at_stake_cause.cause as a Vietnamese / English label';

CREATE FUNCTION kpi.source_766_vi(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE source
        WHEN 'local' THEN 'Tạm tính từ dữ liệu tỉnh / local'
        WHEN 'official' THEN 'Điểm công bố gần nhất / official'
        WHEN 'mixed' THEN 'Kết hợp / mixed'
        WHEN 'missing' THEN 'Chưa có dữ liệu / missing'
    END
$$;
COMMENT ON FUNCTION kpi.source_766_vi(text) IS 'Tên nguồn / a kpi.score_766.source as a Vietnamese / English label';

-- ---------------------------------------------------------------- scores, month to date
CREATE VIEW kpi.score_766_month AS
SELECT s.as_of, s.period_start, s.agency_code,
       coalesce(a.agency_name, s.agency_code) AS agency_name, a.agency_level,
       CASE WHEN s.agency_code NOT LIKE '%.%' THEN 'province' ELSE 'agency' END AS scope,
       s.row_kind, s.group_code, s.component_code,
       CASE s.row_kind
            WHEN 'total' THEN 'Tổng điểm / total'
            WHEN 'group' THEN g.name || ' / ' || CASE s.group_code
                 WHEN 'CKMB' THEN 'transparency' WHEN 'TDGQ' THEN 'handling progress'
                 WHEN 'CLGQ' THEN 'online services' WHEN 'TTTT' THEN 'online payment'
                 WHEN 'MDSH' THEN 'digitisation' WHEN 'MDHL' THEN 'satisfaction' END
            ELSE s.component_code || ' ' || c.name END AS item_name,
       s.numerator, s.denominator, s.ratio, s.points, s.max_points,
       coalesce(kpi.vn_number(s.points, 2), '—') || ' / ' || kpi.vn_number(s.max_points, 0)
           AS points_label,
       CASE WHEN s.ratio IS NOT NULL THEN kpi.vn_number(s.ratio, 2) || ' %' END AS ratio_label,
       s.source, kpi.source_766_vi(s.source) AS source_vi, s.official_period_start,
       s.provisional,
       s.as_of = (SELECT max(m.as_of) FROM kpi.score_766 AS m WHERE m.period_type = 'month')
           AS is_latest_day
FROM kpi.score_766 AS s
LEFT JOIN kpi.agency AS a USING (agency_code)
LEFT JOIN kpi.score_766_group AS g ON g.group_code = s.group_code
LEFT JOIN kpi.score_766_component AS c ON c.component_code = s.component_code
WHERE s.period_type = 'month';
COMMENT ON VIEW kpi.score_766_month IS 'Điểm 766 tạm tính trong tháng / kpi.score_766 for the month to date, with names, Vietnamese labels and the latest-day flag (BI)';
COMMENT ON COLUMN kpi.score_766_month.as_of IS 'Ngày tính / day D the score is judged at';
COMMENT ON COLUMN kpi.score_766_month.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.score_766_month.agency_code IS 'MaDonVi / agency, or the province code';
COMMENT ON COLUMN kpi.score_766_month.agency_name IS 'Tên đơn vị / agency name (the code when the catalogue has none)';
COMMENT ON COLUMN kpi.score_766_month.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.score_766_month.scope IS 'Phạm vi / province (the province code, no ".") or agency';
COMMENT ON COLUMN kpi.score_766_month.row_kind IS 'Loại dòng / component, group or total';
COMMENT ON COLUMN kpi.score_766_month.group_code IS 'Mã nhóm / group; TOTAL on the total row';
COMMENT ON COLUMN kpi.score_766_month.component_code IS 'Mã chỉ số / component; the group code on group rows, TOTAL on the total row';
COMMENT ON COLUMN kpi.score_766_month.item_name IS 'Tên / total, group name (Vietnamese / English) or component code and name';
COMMENT ON COLUMN kpi.score_766_month.numerator IS 'Tử số / numerator (component rows)';
COMMENT ON COLUMN kpi.score_766_month.denominator IS 'Mẫu số / denominator (component rows)';
COMMENT ON COLUMN kpi.score_766_month.ratio IS 'Tỷ lệ (%) / as kpi.score_766.ratio';
COMMENT ON COLUMN kpi.score_766_month.points IS 'Điểm / provisional points; NULL = no data';
COMMENT ON COLUMN kpi.score_766_month.max_points IS 'Điểm tối đa / maximum points';
COMMENT ON COLUMN kpi.score_766_month.points_label IS 'Điểm (chữ) / points of maximum as Vietnamese text: 17,94 / 20 (— without data)';
COMMENT ON COLUMN kpi.score_766_month.ratio_label IS 'Tỷ lệ (chữ) / ratio as Vietnamese text: 89,70 %';
COMMENT ON COLUMN kpi.score_766_month.source IS 'Nguồn / local, official, mixed or missing (kpi.score_766.source)';
COMMENT ON COLUMN kpi.score_766_month.source_vi IS 'Nguồn (chữ) / the source as a Vietnamese / English label';
COMMENT ON COLUMN kpi.score_766_month.official_period_start IS 'Kỳ công bố dùng / first day of the official period taken, when source is official';
COMMENT ON COLUMN kpi.score_766_month.provisional IS 'Tạm tính / always true: the published score is authoritative';
COMMENT ON COLUMN kpi.score_766_month.is_latest_day IS 'Ngày mới nhất / the row is of the latest day computed: what dashboards call this month';

-- ---------------------------------------------------------------- causes, latest day
CREATE VIEW kpi.points_lost_cause AS
WITH grouped AS (
    SELECT c.as_of, c.agency_code, c.component_code, c.cause, count(*) AS items,
           sum(c.needed) AS needed,
           CASE WHEN c.cause = 'online_needed' THEN sum(c.points_worth)
                ELSE least(sum(c.points_worth), max(s.max_points)) END AS points_worth,
           (array_agg(coalesce(c.dossier_code, c.procedure_code)
                      ORDER BY c.due_at NULLS LAST, c.dossier_code, c.procedure_code))[1]
               AS example
    FROM kpi.points_at_stake_cause AS c
    JOIN kpi.score_766_component AS s USING (component_code)
    WHERE c.as_of = (SELECT max(m.as_of) FROM kpi.points_at_stake AS m)
    GROUP BY c.as_of, c.agency_code, c.component_code, c.cause
)
SELECT g.as_of, g.agency_code, coalesce(a.agency_name, g.agency_code) AS agency_name,
       a.agency_level,
       CASE WHEN g.agency_code NOT LIKE '%.%' THEN 'province' ELSE 'agency' END AS scope,
       g.component_code, g.component_code || ' ' || s.name AS component_name,
       g.cause, kpi.cause_766_vi(g.cause) AS cause_vi, g.items, g.needed,
       round(g.points_worth, 2) AS points_worth, g.example,
       row_number() OVER (PARTITION BY g.agency_code
                          ORDER BY g.points_worth DESC, g.component_code, g.cause) AS rank,
       kpi.cause_766_vi(g.cause) || ' (' || g.component_code || '): '
           || CASE WHEN g.cause = 'online_needed'
                   THEN 'cần thêm ' || kpi.vn_number(g.needed, 0) || ' hồ sơ'
                   WHEN g.cause IN ('late', 'turns_late', 'not_paid_online')
                   THEN kpi.vn_number(g.items, 0) || ' hồ sơ'
                   ELSE kpi.vn_number(g.items, 0) || ' TTHC' END
           || ', ' || kpi.vn_number(round(g.points_worth, 2), 2) || ' điểm' AS cause_label
FROM grouped AS g
JOIN kpi.score_766_component AS s USING (component_code)
LEFT JOIN kpi.agency AS a USING (agency_code);
COMMENT ON VIEW kpi.points_lost_cause IS 'Nguyên nhân mất điểm, ngày mới nhất / kpi.points_at_stake_cause on its latest day grouped per agency, component and cause, ranked by the points they are worth (as scores.daily.agency_summaries)';
COMMENT ON COLUMN kpi.points_lost_cause.as_of IS 'Ngày tính / latest day computed';
COMMENT ON COLUMN kpi.points_lost_cause.agency_code IS 'MaDonVi / agency, or the province code';
COMMENT ON COLUMN kpi.points_lost_cause.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.points_lost_cause.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.points_lost_cause.scope IS 'Phạm vi / province or agency';
COMMENT ON COLUMN kpi.points_lost_cause.component_code IS 'Mã chỉ số / component';
COMMENT ON COLUMN kpi.points_lost_cause.component_name IS 'Tên chỉ số / component code and name';
COMMENT ON COLUMN kpi.points_lost_cause.cause IS 'Nguyên nhân / cause code (kpi.points_at_stake_cause.cause)';
COMMENT ON COLUMN kpi.points_lost_cause.cause_vi IS 'Tên nguyên nhân / cause label, Vietnamese / English';
COMMENT ON COLUMN kpi.points_lost_cause.items IS 'Số mục / cause rows: dossiers (2.1, 3.6), procedures (3.1, 3.2), 1 for 3.3';
COMMENT ON COLUMN kpi.points_lost_cause.needed IS 'Cần thêm / 3.3: online receipts still needed by month end';
COMMENT ON COLUMN kpi.points_lost_cause.points_worth IS 'Điểm / points the cause is worth together, capped at the component''s maximum (3.3 as computed)';
COMMENT ON COLUMN kpi.points_lost_cause.example IS 'Ví dụ / one dossier or procedure code (earliest due first)';
COMMENT ON COLUMN kpi.points_lost_cause.rank IS 'Thứ hạng / 1 = the agency''s cause worth most points';
COMMENT ON COLUMN kpi.points_lost_cause.cause_label IS 'Nguyên nhân (chữ) / cause, component, count and points as Vietnamese text';

-- ---------------------------------------------------------------- per agency, latest day
CREATE VIEW kpi.points_lost_agency AS
WITH lost AS (
    SELECT p.as_of, p.period_start, p.agency_code,
           sum(coalesce(p.points, 0)) AS points, sum(p.max_points) AS max_points,
           sum(p.points_lost) AS points_lost
    FROM kpi.points_at_stake AS p
    WHERE p.as_of = (SELECT max(m.as_of) FROM kpi.points_at_stake AS m)
    GROUP BY p.as_of, p.period_start, p.agency_code
),
causes AS (
    SELECT agency_code, string_agg(cause_label, '; ' ORDER BY rank) AS top_causes
    FROM kpi.points_lost_cause
    WHERE rank <= 3 AND points_worth > 0
    GROUP BY agency_code
)
SELECT l.as_of, l.period_start, l.agency_code,
       coalesce(a.agency_name, l.agency_code) AS agency_name, a.agency_level,
       CASE WHEN l.agency_code NOT LIKE '%.%' THEN 'province' ELSE 'agency' END AS scope,
       l.points, l.max_points, l.points_lost,
       f.expected_points, f.best_points, f.worst_points,
       kpi.vn_number(l.points, 2) || ' / ' || kpi.vn_number(l.max_points, 0) AS points_label,
       kpi.vn_number(l.points_lost, 2) AS points_lost_label,
       kpi.vn_number(f.expected_points, 2) AS expected_label,
       kpi.vn_number(f.worst_points, 2) || ' – ' || kpi.vn_number(f.best_points, 2) AS range_label,
       c.top_causes
FROM lost AS l
LEFT JOIN kpi.score_766_forecast AS f
  ON f.as_of = l.as_of AND f.agency_code = l.agency_code AND f.component_code = 'TOTAL'
LEFT JOIN causes AS c ON c.agency_code = l.agency_code
LEFT JOIN kpi.agency AS a ON a.agency_code = l.agency_code;
COMMENT ON VIEW kpi.points_lost_agency IS 'Điểm đang mất theo đơn vị / per agency (and the province) on the latest day: provisional points of the locally computed components, points lost this month, the month-end forecast and the three causes worth most';
COMMENT ON COLUMN kpi.points_lost_agency.as_of IS 'Ngày tính / latest day computed';
COMMENT ON COLUMN kpi.points_lost_agency.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.points_lost_agency.agency_code IS 'MaDonVi / agency, or the province code';
COMMENT ON COLUMN kpi.points_lost_agency.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.points_lost_agency.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.points_lost_agency.scope IS 'Phạm vi / province or agency';
COMMENT ON COLUMN kpi.points_lost_agency.points IS 'Điểm / provisional points of the local components (no data counts 0)';
COMMENT ON COLUMN kpi.points_lost_agency.max_points IS 'Điểm tối đa / maximum of the local components';
COMMENT ON COLUMN kpi.points_lost_agency.points_lost IS 'Điểm mất / sum of kpi.points_at_stake.points_lost; sort descending for worst first';
COMMENT ON COLUMN kpi.points_lost_agency.expected_points IS 'Dự báo nếu không đổi / month-end points if nothing changes (kpi.score_766_forecast TOTAL)';
COMMENT ON COLUMN kpi.points_lost_agency.best_points IS 'Dự báo tốt nhất / best case at month end';
COMMENT ON COLUMN kpi.points_lost_agency.worst_points IS 'Dự báo xấu nhất / worst case at month end';
COMMENT ON COLUMN kpi.points_lost_agency.points_label IS 'Điểm (chữ) / points of maximum as Vietnamese text';
COMMENT ON COLUMN kpi.points_lost_agency.points_lost_label IS 'Điểm mất (chữ) / points lost as Vietnamese text';
COMMENT ON COLUMN kpi.points_lost_agency.expected_label IS 'Dự báo (chữ) / expected month-end points as Vietnamese text';
COMMENT ON COLUMN kpi.points_lost_agency.range_label IS 'Khoảng dự báo / worst – best month-end points as Vietnamese text';
COMMENT ON COLUMN kpi.points_lost_agency.top_causes IS 'Nguyên nhân chính / the three causes worth most points (kpi.points_lost_cause), most first; causes worth 0 points left out';

-- ---------------------------------------------------------------- forecast scenarios
CREATE VIEW kpi.score_766_forecast_scenario AS
SELECT f.as_of, f.period_start, f.agency_code,
       coalesce(a.agency_name, f.agency_code) AS agency_name,
       CASE WHEN f.agency_code NOT LIKE '%.%' THEN 'province' ELSE 'agency' END AS scope,
       f.component_code,
       CASE WHEN f.component_code = 'TOTAL' THEN 'Tổng các chỉ số tính được / local total'
            ELSE f.component_code || ' ' || c.name END AS component_name,
       x.scenario, x.scenario_order, x.scenario_vi, x.points, f.max_points, f.assumption,
       f.as_of = (SELECT max(m.as_of) FROM kpi.score_766_forecast AS m) AS is_latest_day
FROM kpi.score_766_forecast AS f
CROSS JOIN LATERAL (VALUES
    ('current', 1, '1. Hiện tại / now', f.current_points),
    ('worst', 2, '2. Xấu nhất / worst', f.worst_points),
    ('expected', 3, '3. Nếu không đổi / if nothing changes', f.expected_points),
    ('best', 4, '4. Tốt nhất / best', f.best_points)
) AS x (scenario, scenario_order, scenario_vi, points)
LEFT JOIN kpi.score_766_component AS c ON c.component_code = f.component_code
LEFT JOIN kpi.agency AS a ON a.agency_code = f.agency_code;
COMMENT ON VIEW kpi.score_766_forecast_scenario IS 'Dự báo cuối tháng theo kịch bản / kpi.score_766_forecast one row per scenario (now, worst, if nothing changes, best) for bar charts';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.as_of IS 'Ngày tính / day D';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.agency_code IS 'MaDonVi / agency, or the province code';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.scope IS 'Phạm vi / province or agency';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.component_code IS 'Mã chỉ số / component, or TOTAL';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.component_name IS 'Tên chỉ số / component code and name, or the local total';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.scenario IS 'Kịch bản / current, worst, expected or best';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.scenario_order IS 'Thứ tự / 1 current, 2 worst, 3 expected, 4 best';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.scenario_vi IS 'Tên kịch bản / scenario label, numbered in display order, Vietnamese / English';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.points IS 'Điểm / points in that scenario (current: at D)';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.max_points IS 'Điểm tối đa / maximum points';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.assumption IS 'Giả định / the figures behind the forecast';
COMMENT ON COLUMN kpi.score_766_forecast_scenario.is_latest_day IS 'Ngày mới nhất / the row is of the latest day computed';

-- ---------------------------------------------------------------- dossiers worth points
CREATE VIEW kpi.due_soon_points_latest AS
SELECT d.as_of, d.dossier_code, d.category, d.category_vi, d.agency_code, d.agency_name,
       d.agency_level, d.procedure_code, d.procedure_name, d.due_day, d.working_days_left,
       c.cause AS cause_766, kpi.cause_766_vi(c.cause) AS cause_vi,
       round(c.points_worth, 2) AS points_worth,
       kpi.vn_number(round(c.points_worth, 2), 2) AS points_label
FROM kpi.early_warning_dossier AS d
LEFT JOIN kpi.points_at_stake_cause AS c
  ON c.as_of = d.as_of AND c.dossier_code = d.dossier_code AND c.component_code = '2.1';
COMMENT ON VIEW kpi.due_soon_points_latest IS 'Hồ sơ sắp làm mất điểm / the latest early-warning list (kpi.early_warning_dossier) with the 2.1 points each dossier is worth';
COMMENT ON COLUMN kpi.due_soon_points_latest.as_of IS 'Ngày cảnh báo / run day the list was built for';
COMMENT ON COLUMN kpi.due_soon_points_latest.dossier_code IS 'Mã hồ sơ / dossier code (MaHoSo)';
COMMENT ON COLUMN kpi.due_soon_points_latest.category IS 'Nhóm / overdue, due_soon or paused';
COMMENT ON COLUMN kpi.due_soon_points_latest.category_vi IS 'Tên nhóm / category label, Vietnamese / English';
COMMENT ON COLUMN kpi.due_soon_points_latest.agency_code IS 'Mã đơn vị / agency handling the dossier';
COMMENT ON COLUMN kpi.due_soon_points_latest.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.due_soon_points_latest.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.due_soon_points_latest.procedure_code IS 'Mã TTHC / procedure code';
COMMENT ON COLUMN kpi.due_soon_points_latest.procedure_name IS 'Tên TTHC / procedure name';
COMMENT ON COLUMN kpi.due_soon_points_latest.due_day IS 'Ngày hẹn trả / calendar day of the due date';
COMMENT ON COLUMN kpi.due_soon_points_latest.working_days_left IS 'Số ngày làm việc còn lại / working days left (negative: overdue)';
COMMENT ON COLUMN kpi.due_soon_points_latest.cause_766 IS 'Nguyên nhân 766 / late or turns_late; NULL when the dossier costs no 2.1 points this month';
COMMENT ON COLUMN kpi.due_soon_points_latest.cause_vi IS 'Tên nguyên nhân / cause label, Vietnamese / English';
COMMENT ON COLUMN kpi.due_soon_points_latest.points_worth IS 'Điểm / 2.1 points the dossier is worth (20 / the agency''s 2.1 denominator), 2 decimals';
COMMENT ON COLUMN kpi.due_soon_points_latest.points_label IS 'Điểm (chữ) / points worth as Vietnamese text';

-- ---------------------------------------------------------------- per-procedure uptake
CREATE VIEW kpi.procedure_uptake_latest AS
SELECT u.period_start, u.as_of, u.agency_code,
       coalesce(a.agency_name, u.agency_code) AS agency_name, a.agency_level,
       u.procedure_code, u.procedure_name, u.online_level,
       CASE u.online_level WHEN 4 THEN 'Toàn trình / fully online'
                           WHEN 3 THEN 'Một phần / partly online'
                           ELSE 'Chưa trực tuyến / not online' END AS online_level_vi,
       u.received, u.received_online, u.online_share, u.fee_bearing, u.paid_online, u.digitised,
       u.online_service_unused
FROM kpi.procedure_uptake AS u
LEFT JOIN kpi.agency AS a USING (agency_code)
WHERE u.period_start = (SELECT max(m.period_start) FROM kpi.procedure_uptake AS m);
COMMENT ON VIEW kpi.procedure_uptake_latest IS 'Mức độ sử dụng DVCTT theo thủ tục, tháng mới nhất / kpi.procedure_uptake for the latest month, with agency names and the online level as a label';
COMMENT ON COLUMN kpi.procedure_uptake_latest.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.procedure_uptake_latest.as_of IS 'Đến ngày / counted up to this day';
COMMENT ON COLUMN kpi.procedure_uptake_latest.agency_code IS 'MaDonVi / agency handling the dossiers';
COMMENT ON COLUMN kpi.procedure_uptake_latest.agency_name IS 'Tên đơn vị / agency name';
COMMENT ON COLUMN kpi.procedure_uptake_latest.agency_level IS 'Cấp / PROVINCE or COMMUNE';
COMMENT ON COLUMN kpi.procedure_uptake_latest.procedure_code IS 'MaTTHC / procedure';
COMMENT ON COLUMN kpi.procedure_uptake_latest.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.procedure_uptake_latest.online_level IS 'MucDo / 2 none, 3 partial, 4 full';
COMMENT ON COLUMN kpi.procedure_uptake_latest.online_level_vi IS 'Mức độ (chữ) / online level label, Vietnamese / English';
COMMENT ON COLUMN kpi.procedure_uptake_latest.received IS 'Tiếp nhận / dossiers received in the month';
COMMENT ON COLUMN kpi.procedure_uptake_latest.received_online IS 'Trực tuyến / of them received online';
COMMENT ON COLUMN kpi.procedure_uptake_latest.online_share IS 'Tỷ lệ trực tuyến (%) / 100 · online / received; NULL when nothing received';
COMMENT ON COLUMN kpi.procedure_uptake_latest.fee_bearing IS 'Có phí / received dossiers with a fee';
COMMENT ON COLUMN kpi.procedure_uptake_latest.paid_online IS 'Thanh toán trực tuyến / of them paid online';
COMMENT ON COLUMN kpi.procedure_uptake_latest.digitised IS 'Số hoá / received with digitised components';
COMMENT ON COLUMN kpi.procedure_uptake_latest.online_service_unused IS 'DVCTT không phát sinh hồ sơ / online service with no online dossier this month';

-- bi_reader (V007) reads schema kpi; explicit for the V013 tables and everything above, in
-- case the default privileges belong to another role.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        GRANT SELECT ON kpi.score_766_group, kpi.score_766_component, kpi.score_766,
            kpi.points_at_stake, kpi.points_at_stake_cause, kpi.score_766_forecast,
            kpi.procedure_uptake, kpi.score_766_vs_official, kpi.due_soon_points,
            kpi.score_766_month, kpi.points_lost_cause, kpi.points_lost_agency,
            kpi.score_766_forecast_scenario, kpi.due_soon_points_latest,
            kpi.procedure_uptake_latest TO bi_reader;
        GRANT EXECUTE ON FUNCTION kpi.cause_766_vi(text), kpi.source_766_vi(text),
            kpi.ratio_766(numeric, numeric),
            kpi.points_766(numeric, numeric, numeric, numeric, text, boolean) TO bi_reader;
    END IF;
END
$$;
