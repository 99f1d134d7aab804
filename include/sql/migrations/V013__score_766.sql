-- Decision 766 points during the month: the portal's formulas in SQL, a daily provisional
-- score per agency, component and period to date, the points at stake with the dossiers and
-- procedures behind them, a month-end forecast, per-procedure uptake, and the comparison of
-- the provisional month with the official one.

-- ---------------------------------------------------------------- reference
-- Reference data as views over VALUES: part of the schema, not of the data.
CREATE VIEW kpi.score_766_group (group_code, endpoint, max_points, name) AS
SELECT group_code, endpoint, max_points::numeric, name FROM (VALUES
    ('CKMB', 'transparency', 18, 'Công khai, minh bạch'),
    ('TDGQ', 'dvc-progress-tree', 20, 'Tiến độ giải quyết'),
    ('CLGQ', 'provide-online-tree', 12, 'Cung cấp dịch vụ công trực tuyến'),
    ('TTTT', 'formality-online-payment-tree', 10, 'Thanh toán trực tuyến'),
    ('MDSH', 'dossier-digitized', 22, 'Mức độ số hoá hồ sơ'),
    ('MDHL', 'handling-satisfaction', 18, 'Mức độ hài lòng')
) AS t (group_code, endpoint, max_points, name);
COMMENT ON VIEW kpi.score_766_group IS 'Nhóm chỉ số 766 / the six groups of the national index (100 points); same as portal_kpi.scores.components.GROUPS';
COMMENT ON COLUMN kpi.score_766_group.group_code IS 'Mã nhóm / group code (CKMB, TDGQ, CLGQ, TTTT, MDSH, MDHL)';
COMMENT ON COLUMN kpi.score_766_group.endpoint IS 'Nhóm trên API / the reporting API group (kpi.official_score.group_code)';
COMMENT ON COLUMN kpi.score_766_group.max_points IS 'Điểm tối đa / maximum points of the group';
COMMENT ON COLUMN kpi.score_766_group.name IS 'Tên nhóm / group name';

CREATE VIEW kpi.score_766_component
    (component_code, group_code, portal_code, max_points, threshold, empty_rule, from_ratio,
     local, name) AS
SELECT component_code, group_code, portal_code, max_points::numeric, threshold::numeric,
       empty_rule, from_ratio, local, name
FROM (VALUES
    ('1.1', 'CKMB', 'PUBLISH_ON_TIME', 6, NULL, 'null', false, false, 'Công bố TTHC đúng hạn'),
    ('1.2', 'CKMB', 'PUBLIC_UPDATE_ON_TIME', 4, NULL, 'null', false, false, 'Công khai TTHC đúng hạn'),
    ('1.3', 'CKMB', 'PUBLIC_CONTENT_FULL', 2, NULL, 'null', false, false, 'Công khai đầy đủ nội dung'),
    ('1.4', 'CKMB', 'DOSSIER_SYNC', 6, NULL, 'null', false, false, 'Đồng bộ hồ sơ lên Cổng quốc gia'),
    ('2.1', 'TDGQ', 'ON_TIME', 20, NULL, 'zero', false, true, 'Hồ sơ giải quyết đúng hạn'),
    ('3.1', 'CLGQ', 'ONLINE_SERVICE_PROVIDED', 2, 0.8, 'null', false, true, 'TTHC cung cấp dịch vụ công trực tuyến'),
    ('3.2', 'CLGQ', 'ONLINE_SERVICE_USED', 4, NULL, 'null', false, true, 'DVCTT có phát sinh hồ sơ trực tuyến'),
    ('3.3', 'CLGQ', 'ONLINE_RECEIVED', 6, 0.5, 'null', false, true, 'Hồ sơ tiếp nhận trực tuyến'),
    ('3.4', 'TTTT', 'FEE_FORMALITY_WITH_DOSSIER', 2, 0.8, 'zero', false, false, 'TTHC có phí tích hợp thanh toán trực tuyến'),
    ('3.5', 'TTTT', 'FEE_FORMALITY_PAID_ONLINE', 2, 0.8, 'zero', false, false, 'TTHC có phát sinh thanh toán trực tuyến'),
    ('3.6', 'TTTT', 'DOSSIER_PAID_ONLINE', 6, NULL, 'zero', true, true, 'Hồ sơ thanh toán trực tuyến'),
    ('4.1', 'MDSH', 'ORIGINAL_RESULT_AVAILABLE', 6, NULL, 'null', false, false, 'Kết quả điện tử'),
    ('4.2', 'MDSH', 'SO_HOA_GIAY_TO_GIAI_QUYET', 4, NULL, 'null', false, false, 'Số hoá hồ sơ'),
    ('4.3', 'MDSH', 'REUSED_DIGITIZED_DATA', 2, 0.8, 'null', false, true, 'Tái sử dụng dữ liệu số hoá'),
    ('4.4', 'MDSH', 'SYNCED_WITH_DVCQG_PERSONAL_STORAGE', 4, NULL, 'null', false, false, 'Đồng bộ kho dữ liệu cá nhân'),
    ('4.5a', 'MDSH', 'CITIZEN_DATA_CONNECTED_DOSSIER', 2, NULL, 'null', false, false, 'Hồ sơ kết nối dữ liệu dân cư'),
    ('4.5b', 'MDSH', 'CITIZEN_DATA_CONNECTED_FORMALITY', 2, NULL, 'null', false, false, 'TTHC kết nối dữ liệu dân cư'),
    ('4.6', 'MDSH', 'ELECTRONIC_CERTIFIED_COPY', 2, NULL, 'null', false, false, 'Chứng thực bản sao điện tử'),
    ('6.1', 'MDHL', 'DOSSIER_RECEIVING_SATISFACTION', 6, 0.9, 'zero', false, false, 'Hài lòng trong tiếp nhận, giải quyết TTHC'),
    ('6.2', 'MDHL', 'PETITION_PROCESSING_ON_TIME', 6, NULL, 'full', false, false, 'PAKN xử lý đúng hạn'),
    ('6.3', 'MDHL', 'PETITION_HANDLING_SATISFACTION', 6, NULL, 'full', false, false, 'Hài lòng trong xử lý PAKN')
) AS t (component_code, group_code, portal_code, max_points, threshold, empty_rule,
        from_ratio, local, name);
COMMENT ON VIEW kpi.score_766_component IS 'Chỉ số thành phần 766 / the scored components, their maxima and full-score thresholds; same as portal_kpi.scores.components.COMPONENTS (a test checks)';
COMMENT ON COLUMN kpi.score_766_component.component_code IS 'Mã chỉ số / component code of the method text (2.1, 3.3 …)';
COMMENT ON COLUMN kpi.score_766_component.group_code IS 'Mã nhóm / group (kpi.score_766_group)';
COMMENT ON COLUMN kpi.score_766_component.portal_code IS 'Mã trên API / metric code of the reporting API, or our name for a tree counter pair';
COMMENT ON COLUMN kpi.score_766_component.max_points IS 'Điểm tối đa / maximum points';
COMMENT ON COLUMN kpi.score_766_component.threshold IS 'Ngưỡng đạt điểm tối đa / full points from this fraction (0.8 = 80 %); NULL = points in proportion to the ratio';
COMMENT ON COLUMN kpi.score_766_component.empty_rule IS 'Mẫu số 0 / points when the denominator is 0: null (no data), zero, full (as the portal publishes)';
COMMENT ON COLUMN kpi.score_766_component.from_ratio IS 'Tính từ tỷ lệ đã làm tròn / points from the rounded ratio, rounded half to even (3.6, as the payment tree publishes)';
COMMENT ON COLUMN kpi.score_766_component.local IS 'Tính được từ dữ liệu tỉnh / our export carries what the component needs';
COMMENT ON COLUMN kpi.score_766_component.name IS 'Tên chỉ số / component name';


-- ---------------------------------------------------------------- formulas
CREATE FUNCTION kpi.ratio_766(numerator numeric, denominator numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN numerator IS NULL OR coalesce(denominator, 0) = 0 THEN NULL
                ELSE round(100 * numerator / denominator, 2) END
$$;
COMMENT ON FUNCTION kpi.ratio_766(numeric, numeric) IS 'Tỷ lệ 766: 100 · n / d to 2 decimals, half up; NULL without a denominator';

CREATE FUNCTION kpi.points_766(
    numerator numeric, denominator numeric, max_points numeric, threshold numeric,
    empty_rule text, from_ratio boolean
) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    f numeric;
    v numeric;
    c numeric;
BEGIN
    IF numerator IS NULL OR coalesce(denominator, 0) = 0 THEN
        RETURN CASE empty_rule WHEN 'zero' THEN 0.00 WHEN 'full' THEN round(max_points, 2) END;
    END IF;
    IF from_ratio THEN
        f := round(100 * numerator / denominator, 2) / 100;
    ELSE
        f := numerator / denominator;
    END IF;
    v := max_points * f;
    IF threshold IS NOT NULL THEN
        v := least(max_points, v / threshold);
    END IF;
    IF NOT from_ratio THEN
        RETURN round(v, 2);
    END IF;
    -- half to even
    c := v * 100;
    IF c - floor(c) = 0.5 THEN
        RETURN (floor(c) + (floor(c)::bigint % 2)) / 100.0;
    END IF;
    RETURN round(v, 2);
END
$$;
COMMENT ON FUNCTION kpi.points_766(numeric, numeric, numeric, numeric, text, boolean) IS 'Điểm 766 of one component, as portal_kpi.scores.formulas.points: from the raw fraction, 2 decimals half up; capped at max above the threshold';

-- ---------------------------------------------------------------- provisional score
CREATE TABLE kpi.score_766 (
    as_of          date NOT NULL,
    period_type    text NOT NULL CHECK (period_type IN ('month', 'quarter', 'year')),
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    agency_code    text NOT NULL,
    row_kind       text NOT NULL CHECK (row_kind IN ('component', 'group', 'total')),
    group_code     text NOT NULL,
    component_code text NOT NULL,
    numerator      numeric,
    denominator    numeric,
    ratio          numeric,
    points         numeric,
    max_points     numeric NOT NULL,
    threshold      numeric NOT NULL,
    provisional    boolean NOT NULL,
    source         text NOT NULL CHECK (source IN ('local', 'official', 'mixed', 'missing')),
    official_period_start date,
    PRIMARY KEY (as_of, period_type, agency_code, group_code, component_code)
);
CREATE INDEX score_766_agency ON kpi.score_766 (agency_code, period_type, as_of);
COMMENT ON TABLE kpi.score_766 IS 'Điểm 766 tạm tính / provisional Decision 766 points for the period to date at the end of as_of, per agency and for the province, per component, group and total';
COMMENT ON COLUMN kpi.score_766.as_of IS 'Ngày tính / day D the score is judged at (open dossiers judged at the end of D)';
COMMENT ON COLUMN kpi.score_766.period_type IS 'Kỳ / month, quarter or year (to date)';
COMMENT ON COLUMN kpi.score_766.period_start IS 'Đầu kỳ / first day of the period';
COMMENT ON COLUMN kpi.score_766.period_end IS 'Cuối kỳ / last day of the period (the score covers period_start to as_of)';
COMMENT ON COLUMN kpi.score_766.agency_code IS 'MaDonVi / agency, or the province code for the whole province';
COMMENT ON COLUMN kpi.score_766.row_kind IS 'Loại dòng / component, group (sum of its components) or total (sum of the groups)';
COMMENT ON COLUMN kpi.score_766.group_code IS 'Mã nhóm / group (kpi.score_766_group); TOTAL on the total row';
COMMENT ON COLUMN kpi.score_766.component_code IS 'Mã chỉ số / component (kpi.score_766_component); the group code on group rows, TOTAL on the total row';
COMMENT ON COLUMN kpi.score_766.numerator IS 'Tử số / numerator (NULL on group and total rows, and where the official row has none)';
COMMENT ON COLUMN kpi.score_766.denominator IS 'Mẫu số / denominator';
COMMENT ON COLUMN kpi.score_766.ratio IS 'Tỷ lệ (%) / 100 · numerator / denominator, 2 decimals half up; on group and total rows 100 · points / max_points';
COMMENT ON COLUMN kpi.score_766.points IS 'Điểm / points, 2 decimals; NULL = no data (denominator 0)';
COMMENT ON COLUMN kpi.score_766.max_points IS 'Điểm tối đa / maximum points';
COMMENT ON COLUMN kpi.score_766.threshold IS 'Ngưỡng đạt điểm tối đa (%) / ratio at which full points are reached (100 for proportional components)';
COMMENT ON COLUMN kpi.score_766.provisional IS 'Tạm tính / always true: the national portal''s published score is authoritative';
COMMENT ON COLUMN kpi.score_766.source IS 'Nguồn / local (computed from our dossiers and catalogue), official (latest published score, kpi.official_score), mixed (group or total of both), missing (no official score published yet)';
COMMENT ON COLUMN kpi.score_766.official_period_start IS 'Kỳ công bố dùng / first day of the official period taken, when source is official';

-- ---------------------------------------------------------------- points at stake
CREATE TABLE kpi.points_at_stake (
    as_of          date NOT NULL,
    period_start   date NOT NULL,
    agency_code    text NOT NULL,
    component_code text NOT NULL,
    numerator      numeric,
    denominator    numeric,
    points         numeric,
    max_points     numeric NOT NULL,
    points_lost    numeric NOT NULL,
    cause_count    integer NOT NULL,
    PRIMARY KEY (as_of, agency_code, component_code)
);
COMMENT ON TABLE kpi.points_at_stake IS 'Điểm đang mất / per agency and locally computed component, the points lost in the month to date (max minus provisional points); the causes are in kpi.points_at_stake_cause';
COMMENT ON COLUMN kpi.points_at_stake.as_of IS 'Ngày tính / day D';
COMMENT ON COLUMN kpi.points_at_stake.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.points_at_stake.agency_code IS 'MaDonVi / agency, or the province code';
COMMENT ON COLUMN kpi.points_at_stake.component_code IS 'Mã chỉ số / component';
COMMENT ON COLUMN kpi.points_at_stake.numerator IS 'Tử số / numerator of the provisional score';
COMMENT ON COLUMN kpi.points_at_stake.denominator IS 'Mẫu số / denominator of the provisional score';
COMMENT ON COLUMN kpi.points_at_stake.points IS 'Điểm / provisional points (NULL = no data)';
COMMENT ON COLUMN kpi.points_at_stake.max_points IS 'Điểm tối đa / maximum points';
COMMENT ON COLUMN kpi.points_at_stake.points_lost IS 'Điểm mất / max_points − points (0 when there is no data)';
COMMENT ON COLUMN kpi.points_at_stake.cause_count IS 'Số nguyên nhân / cause rows in kpi.points_at_stake_cause';

CREATE TABLE kpi.points_at_stake_cause (
    as_of          date NOT NULL,
    agency_code    text NOT NULL,
    component_code text NOT NULL,
    cause          text NOT NULL CHECK (cause IN (
                       'late', 'turns_late', 'online_needed', 'no_online_service',
                       'online_service_unused', 'not_paid_online')),
    dossier_code   text,
    procedure_code text,
    procedure_name text,
    due_at         timestamp,
    needed         integer,
    per_day        numeric,
    points_worth   numeric NOT NULL
);
CREATE INDEX points_at_stake_cause_key ON kpi.points_at_stake_cause (as_of, agency_code, component_code);
COMMENT ON TABLE kpi.points_at_stake_cause IS 'Nguyên nhân mất điểm / what a person can act on, per agency and component: late dossiers, open dossiers that turn late before month end unless finished, online receipts still needed, procedures without online service, unused online services, fee-bearing dossiers not paid online';
COMMENT ON COLUMN kpi.points_at_stake_cause.as_of IS 'Ngày tính / day D';
COMMENT ON COLUMN kpi.points_at_stake_cause.agency_code IS 'MaDonVi / agency handling the dossier or procedure';
COMMENT ON COLUMN kpi.points_at_stake_cause.component_code IS 'Mã chỉ số / component';
COMMENT ON COLUMN kpi.points_at_stake_cause.cause IS 'Nguyên nhân / late (2.1, already late), turns_late (2.1, open and due before month end), online_needed (3.3), no_online_service (3.1), online_service_unused (3.2), not_paid_online (3.6)';
COMMENT ON COLUMN kpi.points_at_stake_cause.dossier_code IS 'MaHoSo / the dossier (2.1, 3.6)';
COMMENT ON COLUMN kpi.points_at_stake_cause.procedure_code IS 'MaTTHC / the procedure';
COMMENT ON COLUMN kpi.points_at_stake_cause.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.points_at_stake_cause.due_at IS 'NgayHenTra / due date (2.1)';
COMMENT ON COLUMN kpi.points_at_stake_cause.needed IS 'Cần thêm / 3.3: online receipts still needed by month end to reach 50 % at the current daily volume';
COMMENT ON COLUMN kpi.points_at_stake_cause.per_day IS 'Mỗi ngày / 3.3: of them per remaining working day';
COMMENT ON COLUMN kpi.points_at_stake_cause.points_worth IS 'Điểm / points this cause is worth: recovered if fixed (late, 3.1, 3.2, 3.6, 3.3 all needed), or lost if it turns late (turns_late); max / denominator for proportional components';

-- ---------------------------------------------------------------- forecast
CREATE TABLE kpi.score_766_forecast (
    as_of          date NOT NULL,
    period_start   date NOT NULL,
    agency_code    text NOT NULL,
    component_code text NOT NULL,
    current_points numeric,
    expected_points numeric,
    best_points    numeric,
    worst_points   numeric,
    max_points     numeric NOT NULL,
    assumption     text NOT NULL,
    PRIMARY KEY (as_of, agency_code, component_code),
    CHECK (best_points IS NULL OR worst_points IS NULL OR best_points >= worst_points)
);
COMMENT ON TABLE kpi.score_766_forecast IS 'Dự báo cuối tháng / month-end points per agency and local component: if nothing changes, best and worst case; TOTAL sums the components';
COMMENT ON COLUMN kpi.score_766_forecast.as_of IS 'Ngày tính / day D';
COMMENT ON COLUMN kpi.score_766_forecast.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.score_766_forecast.agency_code IS 'MaDonVi / agency, or the province code';
COMMENT ON COLUMN kpi.score_766_forecast.component_code IS 'Mã chỉ số / component, or TOTAL (sum of the local components)';
COMMENT ON COLUMN kpi.score_766_forecast.current_points IS 'Hiện tại / provisional points at D';
COMMENT ON COLUMN kpi.score_766_forecast.expected_points IS 'Nếu không đổi / if nothing changes: open dossiers due before month end finish on time at the agency''s rate of the last 30 days; shares of new receipts as so far';
COMMENT ON COLUMN kpi.score_766_forecast.best_points IS 'Tốt nhất / every open dossier finished on time, every remaining receipt online, paid online and digitised, every unused online service used';
COMMENT ON COLUMN kpi.score_766_forecast.worst_points IS 'Xấu nhất / no open dossier due before month end finished in time, no remaining receipt online, paid online or digitised';
COMMENT ON COLUMN kpi.score_766_forecast.max_points IS 'Điểm tối đa / maximum points';
COMMENT ON COLUMN kpi.score_766_forecast.assumption IS 'Giả định / the figures behind the forecast (rate, remaining working days, daily volume)';

-- ---------------------------------------------------------------- per-procedure uptake
CREATE TABLE kpi.procedure_uptake (
    period_start   date NOT NULL,
    as_of          date NOT NULL,
    agency_code    text NOT NULL,
    procedure_code text NOT NULL,
    procedure_name text,
    online_level   smallint,
    received       integer NOT NULL,
    received_online integer NOT NULL,
    online_share   numeric,
    fee_bearing    integer NOT NULL,
    paid_online    integer NOT NULL,
    digitised      integer NOT NULL,
    online_service_unused boolean NOT NULL,
    PRIMARY KEY (period_start, agency_code, procedure_code)
);
COMMENT ON TABLE kpi.procedure_uptake IS 'Mức độ sử dụng DVCTT theo thủ tục / per procedure, agency and month to date: dossiers received, online, paid online, digitised; every online service of the agency appears, also with nothing received';
COMMENT ON COLUMN kpi.procedure_uptake.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.procedure_uptake.as_of IS 'Đến ngày / counted up to this day';
COMMENT ON COLUMN kpi.procedure_uptake.agency_code IS 'MaDonVi / agency handling the dossiers';
COMMENT ON COLUMN kpi.procedure_uptake.procedure_code IS 'MaTTHC / procedure';
COMMENT ON COLUMN kpi.procedure_uptake.procedure_name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN kpi.procedure_uptake.online_level IS 'MucDo / online level in the catalogue on as_of (2 none, 3 partial, 4 full)';
COMMENT ON COLUMN kpi.procedure_uptake.received IS 'Tiếp nhận / dossiers received in the month';
COMMENT ON COLUMN kpi.procedure_uptake.received_online IS 'Trực tuyến / of them KenhThucHien = 2';
COMMENT ON COLUMN kpi.procedure_uptake.online_share IS 'Tỷ lệ trực tuyến (%) / 100 · online / received, 2 decimals; NULL when nothing received';
COMMENT ON COLUMN kpi.procedure_uptake.fee_bearing IS 'Có phí / received dossiers of a fee-bearing procedure whose fees were not all 0';
COMMENT ON COLUMN kpi.procedure_uptake.paid_online IS 'Thanh toán trực tuyến / of them DuocThanhToanTrucTuyen 1 or 2';
COMMENT ON COLUMN kpi.procedure_uptake.digitised IS 'Số hoá / received dossiers with HoSoCoThanhPhanSoHoa = 1';
COMMENT ON COLUMN kpi.procedure_uptake.online_service_unused IS 'DVCTT không phát sinh hồ sơ / the procedure has an online service (MucDo 3, 4) and received no online dossier this month';

-- ---------------------------------------------------------------- reconciliation
CREATE VIEW kpi.score_766_vs_official AS
WITH provisional AS (
    SELECT s.*
    FROM kpi.score_766 AS s
    WHERE s.period_type = 'month' AND s.source = 'local' AND s.row_kind = 'component'
      AND s.as_of = s.period_end
),
official AS (
    SELECT o.period_start, o.department_code AS agency_code, c.component_code,
           o.numerator, o.denominator, o.ratio, o.score, o.data_quality_status
    FROM kpi.official_score AS o
    JOIN kpi.score_766_component AS c ON c.portal_code = o.metric_code
    WHERE o.period_type = 'month' AND o.department_code IS NOT NULL
    UNION ALL
    SELECT o.period_start, o.department_code, '2.1', o.numerator, o.denominator, o.ratio,
           o.score, NULL
    FROM kpi.official_score AS o
    WHERE o.period_type = 'month' AND o.group_code = 'dvc-progress-tree'
      AND o.metric_code = '_TOTAL' AND o.department_code IS NOT NULL
    UNION ALL
    SELECT o.period_start, o.department_code, '3.6', o.online_payment_success,
           o.financial_obligation, kpi.ratio_766(o.online_payment_success, o.financial_obligation),
           kpi.points_766(o.online_payment_success, o.financial_obligation, 6, NULL, 'zero', true),
           NULL
    FROM kpi.official_counter AS o
    WHERE o.period_type = 'month' AND o.group_code = 'formality-online-payment-tree'
      AND o.department_code IS NOT NULL
    UNION ALL
    SELECT o.period_start, o.department_code, '3.3', o.channel_online_sum, o.channel_total_sum,
           kpi.ratio_766(o.channel_online_sum, o.channel_total_sum),
           kpi.points_766(o.channel_online_sum, o.channel_total_sum, 6, 0.5, 'null', false), NULL
    FROM kpi.official_counter AS o
    WHERE o.period_type = 'month' AND o.group_code = 'provide-online-tree'
      AND o.department_code IS NOT NULL AND o.channel_total_sum IS NOT NULL
)
SELECT p.period_start, p.agency_code, p.component_code,
       p.numerator AS local_numerator, p.denominator AS local_denominator,
       p.ratio AS local_ratio, p.points AS local_points,
       o.numerator AS official_numerator, o.denominator AS official_denominator,
       o.ratio AS official_ratio, o.score AS official_points,
       o.score - p.points AS diff_points,
       o.ratio - p.ratio AS diff_ratio,
       CASE WHEN p.component_code = '2.1' THEN v.reason_code
            WHEN o.data_quality_status IS NOT NULL THEN 'flagged_denominator'
            WHEN coalesce(o.denominator, 0) = 0 OR coalesce(p.denominator, 0) = 0 THEN 'no_data'
       END AS reason_code,
       v.exceeds_tolerance AS on_time_exceeds_tolerance
FROM provisional AS p
JOIN official AS o
  ON o.period_start = p.period_start AND o.agency_code = p.agency_code
 AND o.component_code = p.component_code
LEFT JOIN kpi.official_vs_local AS v
  ON v.period_start = p.period_start AND v.agency_code = p.agency_code;
COMMENT ON VIEW kpi.score_766_vs_official IS 'Đối chiếu điểm tạm tính với điểm chính thức / provisional month (as_of = last day) against the published month, per agency and component where both exist; 2.1 takes the reason code of kpi.official_vs_local';
COMMENT ON COLUMN kpi.score_766_vs_official.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.score_766_vs_official.agency_code IS 'MaDonVi / agency or province';
COMMENT ON COLUMN kpi.score_766_vs_official.component_code IS 'Mã chỉ số / component';
COMMENT ON COLUMN kpi.score_766_vs_official.local_numerator IS 'Tử số tạm tính / provisional numerator';
COMMENT ON COLUMN kpi.score_766_vs_official.local_denominator IS 'Mẫu số tạm tính / provisional denominator';
COMMENT ON COLUMN kpi.score_766_vs_official.local_ratio IS 'Tỷ lệ tạm tính (%) / provisional ratio';
COMMENT ON COLUMN kpi.score_766_vs_official.local_points IS 'Điểm tạm tính / provisional points';
COMMENT ON COLUMN kpi.score_766_vs_official.official_numerator IS 'Tử số chính thức / published numerator';
COMMENT ON COLUMN kpi.score_766_vs_official.official_denominator IS 'Mẫu số chính thức / published denominator';
COMMENT ON COLUMN kpi.score_766_vs_official.official_ratio IS 'Tỷ lệ chính thức (%) / published ratio';
COMMENT ON COLUMN kpi.score_766_vs_official.official_points IS 'Điểm chính thức / published points (3.3 and 3.6 recomputed from the published counters)';
COMMENT ON COLUMN kpi.score_766_vs_official.diff_points IS 'Chênh lệch điểm / official − provisional points';
COMMENT ON COLUMN kpi.score_766_vs_official.diff_ratio IS 'Chênh lệch tỷ lệ / official − provisional ratio (percentage points)';
COMMENT ON COLUMN kpi.score_766_vs_official.reason_code IS 'Lý do / as kpi.official_vs_local: no_data, flagged_denominator, not_synced, paused_as_finished; NULL when unexplained or equal';
COMMENT ON COLUMN kpi.score_766_vs_official.on_time_exceeds_tolerance IS 'Vượt ngưỡng / kpi.official_vs_local.exceeds_tolerance of the agency''s month';

-- ---------------------------------------------------------------- early warning with points
CREATE VIEW kpi.due_soon_points AS
SELECT w.as_of, w.dossier_code, w.category, w.agency_code, w.procedure_code, w.due_day,
       w.working_days_left, c.cause AS cause_766, c.points_worth
FROM kpi.due_soon AS w
LEFT JOIN kpi.points_at_stake_cause AS c
  ON c.as_of = w.as_of AND c.dossier_code = w.dossier_code AND c.component_code = '2.1';
COMMENT ON VIEW kpi.due_soon_points IS 'Hồ sơ sắp trễ hạn kèm điểm 766 / the early-warning list (kpi.due_soon) with the 2.1 points each dossier is worth on the same day';
COMMENT ON COLUMN kpi.due_soon_points.as_of IS 'Ngày cảnh báo / run day D';
COMMENT ON COLUMN kpi.due_soon_points.dossier_code IS 'MaHoSo / dossier code';
COMMENT ON COLUMN kpi.due_soon_points.category IS 'Nhóm / overdue, due_soon or paused (kpi.due_soon)';
COMMENT ON COLUMN kpi.due_soon_points.agency_code IS 'MaDonVi / agency handling the dossier';
COMMENT ON COLUMN kpi.due_soon_points.procedure_code IS 'MaTTHC / procedure';
COMMENT ON COLUMN kpi.due_soon_points.due_day IS 'Ngày hẹn trả / due day';
COMMENT ON COLUMN kpi.due_soon_points.working_days_left IS 'Số ngày làm việc còn lại / working days left (kpi.due_soon)';
COMMENT ON COLUMN kpi.due_soon_points.cause_766 IS 'Nguyên nhân 766 / late or turns_late (kpi.points_at_stake_cause); NULL when the dossier costs no 2.1 points this month';
COMMENT ON COLUMN kpi.due_soon_points.points_worth IS 'Điểm / 2.1 points the dossier is worth (20 / the agency''s 2.1 denominator)';
