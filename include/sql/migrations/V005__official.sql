-- Official national-portal scores (DVCQG, Decision 766/QĐ-TTg): the raw responses, the
-- department map, scores and counters as published, the national procedure catalogue,
-- and the reconciliation of official counts with the local form 06 statistics.
-- NULL in any official column means "not reported" and is never read as 0.

-- ---------------------------------------------------------------- raw archive
CREATE TABLE raw.dvcqg_response (
    scope           text NOT NULL,
    endpoint        text NOT NULL,
    period_key      text NOT NULL,
    page            integer NOT NULL CHECK (page >= 1),
    url             text NOT NULL,
    request_body    jsonb NOT NULL,
    status          integer NOT NULL,
    content_type    text,
    body            bytea NOT NULL,
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes           integer NOT NULL,
    fetched_at      timestamptz NOT NULL,
    PRIMARY KEY (scope, endpoint, period_key, page)
);
COMMENT ON TABLE raw.dvcqg_response IS 'Phản hồi thô DVCQG / every response page of the national reporting API, byte for byte; a rerun of the same (scope, endpoint, period, page) replaces it';
COMMENT ON COLUMN raw.dvcqg_response.scope IS 'Phạm vi / rootDepartmentId of the province asked for, or ''national'' for the procedure catalogue';
COMMENT ON COLUMN raw.dvcqg_response.endpoint IS 'Điểm cuối / evaluation group (transparency, dvc-progress-tree, …) or formalities';
COMMENT ON COLUMN raw.dvcqg_response.period_key IS 'Kỳ / month:YYYY-MM, quarter:YYYY-Qn, year:YYYY (year to date) or catalogue:<q>';
COMMENT ON COLUMN raw.dvcqg_response.page IS 'Trang / currentPage asked for (1-based)';
COMMENT ON COLUMN raw.dvcqg_response.url IS 'Địa chỉ / URL called (POST)';
COMMENT ON COLUMN raw.dvcqg_response.request_body IS 'Thân yêu cầu / JSON body sent';
COMMENT ON COLUMN raw.dvcqg_response.status IS 'Mã HTTP / HTTP status answered (201 when accepted)';
COMMENT ON COLUMN raw.dvcqg_response.content_type IS 'Kiểu nội dung / Content-Type header answered';
COMMENT ON COLUMN raw.dvcqg_response.body IS 'Nội dung / the response body exactly as received';
COMMENT ON COLUMN raw.dvcqg_response.sha256 IS 'Mã băm / SHA-256 of body, lower-case hex';
COMMENT ON COLUMN raw.dvcqg_response.bytes IS 'Kích thước / length of body in bytes';
COMMENT ON COLUMN raw.dvcqg_response.fetched_at IS 'Thời điểm lấy / when the response was received';

-- ---------------------------------------------------------------- department map
CREATE TABLE core.official_department (
    department_id       text PRIMARY KEY,
    root_department_id  text NOT NULL,
    department_code     text NOT NULL,
    department_name     text,
    level               text,
    is_root             boolean NOT NULL,
    last_period_key     text NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX official_department_code ON core.official_department (department_code);
COMMENT ON TABLE core.official_department IS 'Đơn vị trên DVCQG / departmentId → departmentCode and level, learnt from responses that carry the code (the *-tree endpoints); used to place rows that carry only departmentId (transparency)';
COMMENT ON COLUMN core.official_department.department_id IS 'departmentId / the national portal''s UUID of the department';
COMMENT ON COLUMN core.official_department.root_department_id IS 'rootDepartmentId / the province it was reported under';
COMMENT ON COLUMN core.official_department.department_code IS 'departmentCode / agency code (MaDonVi), e.g. H48.07; the province code for the root';
COMMENT ON COLUMN core.official_department.department_name IS 'departmentName / name as published';
COMMENT ON COLUMN core.official_department.level IS 'Cấp / PROVINCE or COMMUNE as published (NULL for the root, which has none)';
COMMENT ON COLUMN core.official_department.is_root IS 'Cấp tỉnh / true for the province itself (the parent or overview object)';
COMMENT ON COLUMN core.official_department.last_period_key IS 'Kỳ gần nhất / period of the latest response that named it';
COMMENT ON COLUMN core.official_department.updated_at IS 'Cập nhật / when the row was last written';

-- ---------------------------------------------------------------- official scores
CREATE TABLE kpi.official_score (
    root_department_id  text NOT NULL,
    period_type         text NOT NULL CHECK (period_type IN ('month', 'quarter', 'year')),
    period_start        date NOT NULL,
    period_end          date NOT NULL,
    group_code          text NOT NULL,
    department_id       text NOT NULL,
    department_code     text,
    department_name     text,
    department_level    text,
    is_total            boolean NOT NULL,
    metric_code         text NOT NULL,
    metric_name         text,
    numerator           numeric,
    denominator         numeric,
    ratio               numeric,
    score               numeric,
    max_score           numeric,
    data_quality_status text,
    data_quality_message text,
    fetched_on          date NOT NULL,
    PRIMARY KEY (root_department_id, period_type, period_start, group_code, department_id, metric_code)
);
CREATE INDEX official_score_code ON kpi.official_score (department_code, period_type, period_start);
COMMENT ON TABLE kpi.official_score IS 'Điểm đánh giá chính thức (QĐ 766) / official national-portal scores as published: one row per (period, group, department, metric); metric _TOTAL is the department''s score for the whole group';
COMMENT ON COLUMN kpi.official_score.root_department_id IS 'rootDepartmentId / the province asked for';
COMMENT ON COLUMN kpi.official_score.period_type IS 'Loại kỳ / month, quarter or year (year = year to date)';
COMMENT ON COLUMN kpi.official_score.period_start IS 'Từ ngày / first day of the period';
COMMENT ON COLUMN kpi.official_score.period_end IS 'Đến ngày / last day of the period; for year, the last day of the month whose run pulled it (tree endpoints report the year up to the fetch day)';
COMMENT ON COLUMN kpi.official_score.group_code IS 'Nhóm chỉ tiêu / evaluation group: transparency, handling-satisfaction, dossier-digitized, dvc-progress-tree, provide-online-tree, formality-online-payment-tree';
COMMENT ON COLUMN kpi.official_score.department_id IS 'departmentId / national UUID of the department (the province for totals)';
COMMENT ON COLUMN kpi.official_score.department_code IS 'departmentCode / agency code; from the response, or from core.official_department when the response has none (transparency)';
COMMENT ON COLUMN kpi.official_score.department_name IS 'departmentName / as published';
COMMENT ON COLUMN kpi.official_score.department_level IS 'Cấp / level as published (level or departmentLevel), PROVINCE for totals';
COMMENT ON COLUMN kpi.official_score.is_total IS 'Toàn tỉnh / true for the province total (parent or overview object)';
COMMENT ON COLUMN kpi.official_score.metric_code IS 'Mã tiêu chí / metric code as published (e.g. DOSSIER_SYNC); _TOTAL = the group score of the department';
COMMENT ON COLUMN kpi.official_score.metric_name IS 'Tên tiêu chí / metric name as published';
COMMENT ON COLUMN kpi.official_score.numerator IS 'Tử số / numerator as published; for dvc-progress-tree _TOTAL, totalOnTime; NULL = not reported';
COMMENT ON COLUMN kpi.official_score.denominator IS 'Mẫu số / denominator as published; for dvc-progress-tree _TOTAL, totalReceived; NULL = not reported';
COMMENT ON COLUMN kpi.official_score.ratio IS 'Tỷ lệ (%) / ratio in percent exactly as published; 0 on a department with nothing received is "no data", not 0 %';
COMMENT ON COLUMN kpi.official_score.score IS 'Điểm / points earned as published; NULL = not scored';
COMMENT ON COLUMN kpi.official_score.max_score IS 'Điểm tối đa / points available';
COMMENT ON COLUMN kpi.official_score.data_quality_status IS 'Cờ chất lượng / dataQualityStatus, e.g. TEMP_NATIONAL_REPORT_DENOMINATOR (stand-in denominator) or NO_NATIONAL_REPORT_DATA';
COMMENT ON COLUMN kpi.official_score.data_quality_message IS 'Ghi chú chất lượng / dataQualityMessage as published';
COMMENT ON COLUMN kpi.official_score.fetched_on IS 'Ngày lấy / local day the response was fetched';

CREATE TABLE kpi.official_counter (
    root_department_id  text NOT NULL,
    period_type         text NOT NULL CHECK (period_type IN ('month', 'quarter', 'year')),
    period_start        date NOT NULL,
    period_end          date NOT NULL,
    group_code          text NOT NULL,
    department_id       text NOT NULL,
    department_code     text,
    department_level    text,
    is_total            boolean NOT NULL,
    total_received      numeric,
    total_on_time       numeric,
    total_overdue       numeric,
    total_completed     numeric,
    avg_processing_days numeric,
    channel_online_sum  numeric,
    channel_direct_sum  numeric,
    channel_postal_sum  numeric,
    channel_total_sum   numeric,
    online_on_time_sum  numeric,
    online_overdue_sum  numeric,
    authority_count     numeric,
    partial_count       numeric,
    full_count          numeric,
    online_dossier_count numeric,
    online_service_total numeric,
    online_payment_success numeric,
    financial_obligation numeric,
    online_payment_formalities numeric,
    fee_formalities_distinct numeric,
    fee_dossier_formalities numeric,
    fee_formalities     numeric,
    total_petitions     numeric,
    classified_petitions numeric,
    total_dossiers      numeric,
    average_score       numeric,
    score_delta         numeric,
    stt                 integer,
    extra               jsonb NOT NULL DEFAULT '{}',
    fetched_on          date NOT NULL,
    PRIMARY KEY (root_department_id, period_type, period_start, group_code, department_id)
);
CREATE INDEX official_counter_code ON kpi.official_counter (department_code, period_type, period_start);
COMMENT ON TABLE kpi.official_counter IS 'Số liệu đếm chính thức / per-department counters of the official responses as published (NULL = the object did not carry it)';
COMMENT ON COLUMN kpi.official_counter.root_department_id IS 'rootDepartmentId / the province asked for';
COMMENT ON COLUMN kpi.official_counter.period_type IS 'Loại kỳ / month, quarter or year (year to date)';
COMMENT ON COLUMN kpi.official_counter.period_start IS 'Từ ngày / first day of the period';
COMMENT ON COLUMN kpi.official_counter.period_end IS 'Đến ngày / last day of the period (see kpi.official_score.period_end)';
COMMENT ON COLUMN kpi.official_counter.group_code IS 'Nhóm chỉ tiêu / evaluation group';
COMMENT ON COLUMN kpi.official_counter.department_id IS 'departmentId / national UUID of the department';
COMMENT ON COLUMN kpi.official_counter.department_code IS 'departmentCode / agency code (from the response or the department map)';
COMMENT ON COLUMN kpi.official_counter.department_level IS 'Cấp / level as published';
COMMENT ON COLUMN kpi.official_counter.is_total IS 'Toàn tỉnh / province total (parent or overview)';
COMMENT ON COLUMN kpi.official_counter.total_received IS 'totalReceived / dossiers received in the period (form 06 column 3 counterpart)';
COMMENT ON COLUMN kpi.official_counter.total_on_time IS 'totalOnTime / of those, not late: finished on time or still open within deadline';
COMMENT ON COLUMN kpi.official_counter.total_overdue IS 'totalOverdue / of those, late (children only)';
COMMENT ON COLUMN kpi.official_counter.total_completed IS 'totalCompleted / dossiers completed (parent only)';
COMMENT ON COLUMN kpi.official_counter.avg_processing_days IS 'avgProcessingDays / mean days to resolve';
COMMENT ON COLUMN kpi.official_counter.channel_online_sum IS 'channelOnlineSum / dossiers submitted online';
COMMENT ON COLUMN kpi.official_counter.channel_direct_sum IS 'channelDirectSum / dossiers submitted in person';
COMMENT ON COLUMN kpi.official_counter.channel_postal_sum IS 'channelPostalSum / dossiers submitted by public postal service';
COMMENT ON COLUMN kpi.official_counter.channel_total_sum IS 'channelTotalSum / dossiers by all channels';
COMMENT ON COLUMN kpi.official_counter.online_on_time_sum IS 'onlineOnTimeSum / online dossiers on time';
COMMENT ON COLUMN kpi.official_counter.online_overdue_sum IS 'onlineOverdueSum / online dossiers late';
COMMENT ON COLUMN kpi.official_counter.authority_count IS 'authorityCount / as published (meaning not documented upstream)';
COMMENT ON COLUMN kpi.official_counter.partial_count IS 'partialCount / procedures offered partly online (một phần)';
COMMENT ON COLUMN kpi.official_counter.full_count IS 'fullCount / procedures offered fully online (toàn trình)';
COMMENT ON COLUMN kpi.official_counter.online_dossier_count IS 'onlineDossierCount / numerator of the online-service usage rate';
COMMENT ON COLUMN kpi.official_counter.online_service_total IS 'onlineServiceTotal / denominator of the online-service usage rate';
COMMENT ON COLUMN kpi.official_counter.online_payment_success IS 'totalDossierOnlinePaymentSuccess / dossiers paid online';
COMMENT ON COLUMN kpi.official_counter.financial_obligation IS 'totalDossierFinancialObligation / dossiers with a fee or charge';
COMMENT ON COLUMN kpi.official_counter.online_payment_formalities IS 'totalDossierOnlineFormalityPaymentSuccess / procedures with an online payment';
COMMENT ON COLUMN kpi.official_counter.fee_formalities_distinct IS 'totalFeeDossierFormalityDistinct / as published';
COMMENT ON COLUMN kpi.official_counter.fee_dossier_formalities IS 'totalFeeDossierFormality / procedures with fee-liable dossiers';
COMMENT ON COLUMN kpi.official_counter.fee_formalities IS 'totalFeeFormality / procedures with a fee';
COMMENT ON COLUMN kpi.official_counter.total_petitions IS 'totalPetitions / petitions (PAKN) received';
COMMENT ON COLUMN kpi.official_counter.classified_petitions IS 'classifiedPetitions / petitions classified';
COMMENT ON COLUMN kpi.official_counter.total_dossiers IS 'totalDossiers / dossiers evaluated for satisfaction';
COMMENT ON COLUMN kpi.official_counter.average_score IS 'averageScore / as published (overview)';
COMMENT ON COLUMN kpi.official_counter.score_delta IS 'scoreDelta / change against an earlier period as published';
COMMENT ON COLUMN kpi.official_counter.stt IS 'STT / row number as published';
COMMENT ON COLUMN kpi.official_counter.extra IS 'Trường khác / any other scalar field of the object, kept as published';
COMMENT ON COLUMN kpi.official_counter.fetched_on IS 'Ngày lấy / local day the response was fetched';

-- ---------------------------------------------------------------- national catalogue
CREATE TABLE core.national_procedure (
    formality_id        text PRIMARY KEY,
    code                text NOT NULL,
    name                text NOT NULL,
    state               text,
    department_id       text,
    publishing_department_ids text[] NOT NULL DEFAULT '{}',
    applied_department_ids text[] NOT NULL DEFAULT '{}',
    fetched_at          timestamptz NOT NULL
);
CREATE INDEX national_procedure_code ON core.national_procedure (code);
COMMENT ON TABLE core.national_procedure IS 'Danh mục TTHC quốc gia / the national procedure catalogue (POST /api/v1/reporting/formalities); kept apart from core.procedure so provincial validity dates keep their meaning';
COMMENT ON COLUMN core.national_procedure.formality_id IS 'id / national UUID of the procedure';
COMMENT ON COLUMN core.national_procedure.code IS 'code / procedure code (MaTTHC)';
COMMENT ON COLUMN core.national_procedure.name IS 'name / procedure name';
COMMENT ON COLUMN core.national_procedure.state IS 'state / ACTIVE, UPDATED or INACTIVE as published';
COMMENT ON COLUMN core.national_procedure.department_id IS 'departmentId / owning ministry or agency';
COMMENT ON COLUMN core.national_procedure.publishing_department_ids IS 'publishingDepartmentIds / agencies that published it';
COMMENT ON COLUMN core.national_procedure.applied_department_ids IS 'appliedDepartmentIds / agencies that apply it';
COMMENT ON COLUMN core.national_procedure.fetched_at IS 'Thời điểm lấy / when the catalogue page was fetched';

CREATE VIEW core.procedure_dimension AS
SELECT p.code, p.name, p.field_code, p.field_name, p.online_level, p.valid_from, p.valid_to,
       'provincial'::text AS source
FROM core.procedure AS p
UNION ALL
SELECT n.code, n.name, NULL::text, NULL::text, NULL::smallint, NULL::date, NULL::date,
       'national'::text
FROM (
    SELECT DISTINCT ON (code) code, name
    FROM core.national_procedure
    ORDER BY code, (state = 'INACTIVE'), fetched_at DESC, formality_id
) AS n
WHERE NOT EXISTS (SELECT 1 FROM core.procedure AS p WHERE p.code = n.code);
COMMENT ON VIEW core.procedure_dimension IS 'Chiều thủ tục / every provincial procedure version, plus one row per code that only the national catalogue knows (source = national, no validity dates, no online level)';
COMMENT ON COLUMN core.procedure_dimension.code IS 'MaTTHC / procedure code';
COMMENT ON COLUMN core.procedure_dimension.name IS 'TenTTHC / procedure name';
COMMENT ON COLUMN core.procedure_dimension.field_code IS 'MaLinhVuc / field code (provincial only)';
COMMENT ON COLUMN core.procedure_dimension.field_name IS 'TenLinhVuc / field name (provincial only)';
COMMENT ON COLUMN core.procedure_dimension.online_level IS 'MucDo / online level (provincial only)';
COMMENT ON COLUMN core.procedure_dimension.valid_from IS 'HieuLucTu / first valid day (provincial only)';
COMMENT ON COLUMN core.procedure_dimension.valid_to IS 'HieuLucDen / last valid day (provincial only)';
COMMENT ON COLUMN core.procedure_dimension.source IS 'Nguồn / provincial (core.procedure) or national (core.national_procedure)';

-- ---------------------------------------------------------------- reconciliation
CREATE TABLE kpi.official_vs_local (
    period_start          date NOT NULL,
    root_department_id    text NOT NULL,
    agency_code           text NOT NULL,
    department_id         text,
    department_level      text,
    is_total              boolean NOT NULL,
    official_received     numeric,
    official_on_time      numeric,
    official_overdue      numeric,
    official_ratio        numeric,
    official_score        numeric,
    official_channel_online numeric,
    official_channel_offline numeric,
    dossier_sync_status   text,
    local_as_of           date,
    local_received        integer,
    local_on_time         integer,
    local_overdue         integer,
    local_ratio           numeric,
    local_received_online integer,
    local_received_offline integer,
    diff_received         numeric,
    diff_on_time          numeric,
    diff_overdue          numeric,
    diff_ratio            numeric,
    diff_online_share     numeric,
    no_data               boolean NOT NULL,
    reason_code           text CHECK (reason_code IN
                              ('no_data', 'flagged_denominator', 'not_synced', 'paused_as_finished')),
    tolerance             numeric NOT NULL,
    exceeds_tolerance     boolean NOT NULL,
    computed_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period_start, root_department_id, agency_code)
);
COMMENT ON TABLE kpi.official_vs_local IS 'Đối chiếu số liệu chính thức và số liệu địa phương / per month and department: DVCQG processing-progress and channel counts beside the local form 06 counts, their differences and a reason code where one is known';
COMMENT ON COLUMN kpi.official_vs_local.period_start IS 'Tháng / first day of the month';
COMMENT ON COLUMN kpi.official_vs_local.root_department_id IS 'rootDepartmentId / the province';
COMMENT ON COLUMN kpi.official_vs_local.agency_code IS 'Mã đơn vị / agency code (the province code for the whole province)';
COMMENT ON COLUMN kpi.official_vs_local.department_id IS 'departmentId / national UUID (NULL when only the local side has the agency)';
COMMENT ON COLUMN kpi.official_vs_local.department_level IS 'Cấp / PROVINCE or COMMUNE as published';
COMMENT ON COLUMN kpi.official_vs_local.is_total IS 'Toàn tỉnh / the province row';
COMMENT ON COLUMN kpi.official_vs_local.official_received IS 'Tiếp nhận (DVCQG) / totalReceived of dvc-progress-tree';
COMMENT ON COLUMN kpi.official_vs_local.official_on_time IS 'Đúng hạn (DVCQG) / totalOnTime';
COMMENT ON COLUMN kpi.official_vs_local.official_overdue IS 'Quá hạn (DVCQG) / totalOverdue (children), or received − on time for the province';
COMMENT ON COLUMN kpi.official_vs_local.official_ratio IS 'Tỷ lệ đúng hạn (DVCQG) / published ratio as a fraction (78.38 % → 0.7838)';
COMMENT ON COLUMN kpi.official_vs_local.official_score IS 'Điểm tiến độ (DVCQG) / published processing-progress score (of 20)';
COMMENT ON COLUMN kpi.official_vs_local.official_channel_online IS 'Trực tuyến (DVCQG) / channelOnlineSum of provide-online-tree (published on the province total only)';
COMMENT ON COLUMN kpi.official_vs_local.official_channel_offline IS 'Trực tiếp + BCCI (DVCQG) / channelDirectSum + channelPostalSum';
COMMENT ON COLUMN kpi.official_vs_local.dossier_sync_status IS 'Cờ đồng bộ / dataQualityStatus of the department''s DOSSIER_SYNC transparency metric that month';
COMMENT ON COLUMN kpi.official_vs_local.local_as_of IS 'Đến ngày (địa phương) / as_of of the local month row';
COMMENT ON COLUMN kpi.official_vs_local.local_received IS 'Cột 3 / local received total';
COMMENT ON COLUMN kpi.official_vs_local.local_on_time IS 'Cột 8 + 9 + 12 / local not-late counterpart of totalOnTime';
COMMENT ON COLUMN kpi.official_vs_local.local_overdue IS 'Cột 10 + 13 / local late counterpart of totalOverdue';
COMMENT ON COLUMN kpi.official_vs_local.local_ratio IS 'Tỷ lệ (địa phương) / local on time ÷ received (NULL when nothing received)';
COMMENT ON COLUMN kpi.official_vs_local.local_received_online IS 'Cột 4 / received online in the month';
COMMENT ON COLUMN kpi.official_vs_local.local_received_offline IS 'Cột 5 / received in person or by post in the month';
COMMENT ON COLUMN kpi.official_vs_local.diff_received IS 'Chênh lệch tiếp nhận / official − local received';
COMMENT ON COLUMN kpi.official_vs_local.diff_on_time IS 'Chênh lệch đúng hạn / official − local on time';
COMMENT ON COLUMN kpi.official_vs_local.diff_overdue IS 'Chênh lệch quá hạn / official − local overdue';
COMMENT ON COLUMN kpi.official_vs_local.diff_ratio IS 'Chênh lệch tỷ lệ / official − local on-time ratio (local rounded half-up to the published 0.01 %), as a fraction (0.02 = 2 percentage points); NULL when no data';
COMMENT ON COLUMN kpi.official_vs_local.diff_online_share IS 'Chênh lệch tỷ lệ trực tuyến / official − local online share of dossiers received in the month (province row)';
COMMENT ON COLUMN kpi.official_vs_local.no_data IS 'Không có dữ liệu / one side received nothing: a published ratio 0 is not 0 %, nothing to compare';
COMMENT ON COLUMN kpi.official_vs_local.reason_code IS 'Lý do / no_data, flagged_denominator (DOSSIER_SYNC flagged), not_synced (fewer dossiers nationally), paused_as_finished (same dossiers, more late nationally, explainable by paused dossiers synced as finished); NULL = no difference or not known';
COMMENT ON COLUMN kpi.official_vs_local.tolerance IS 'Ngưỡng / tolerance on ratio differences (PORTAL_KPI_OFFICIAL_TOLERANCE)';
COMMENT ON COLUMN kpi.official_vs_local.exceeds_tolerance IS 'Vượt ngưỡng / a ratio difference is over the tolerance (an alert was queued)';
COMMENT ON COLUMN kpi.official_vs_local.computed_at IS 'Thời điểm tính / when the row was computed';
