-- ISO 9001 compliance (domain §6) of every agency in scope, for each day in [:first, :last].
-- In scope on a day: every agency valid in core.agency that day except the province code.
-- "Within the last 12 months" of a date X on day D means D < X + 12 months.
WITH days AS (
    SELECT g::date AS day
    FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS g
),
scope AS (
    SELECT DISTINCT ON (d.day, a.code) d.day, a.code, a.name, a.level
    FROM days AS d
    JOIN core.agency AS a
        ON a.valid_from <= d.day AND (a.valid_to IS NULL OR a.valid_to >= d.day)
    WHERE a.code <> :province
    ORDER BY d.day, a.code, a.valid_from DESC
),
dossier_procs AS (
    -- (agency, procedure, day received) of received dossiers that can fall in a window
    SELECT DISTINCT
        x.agency_code,
        coalesce(substring(x.procedure_code FROM '^\d\.\d{6}'), x.procedure_code) AS procedure,
        x.received_at::date AS received_day
    FROM core.dossier AS x
    WHERE x.received_at >= CAST(:first AS date) - interval '12 months'
      AND x.received_at < CAST(:last AS date) + 1
      AND x.status NOT IN (1, 3)
      AND x.agency_code <> :province
),
dossier_count AS (
    SELECT s.day, s.code, count(DISTINCT dp.procedure) AS procedures
    FROM scope AS s
    JOIN dossier_procs AS dp
        ON dp.agency_code = s.code
       AND dp.received_day <= s.day
       AND (dp.received_day + interval '12 months')::date > s.day
    GROUP BY s.day, s.code
),
procedure_change AS (
    SELECT s.day, s.code, max(p.changed_at)::date AS latest_change
    FROM scope AS s
    JOIN core.procedure AS p
        ON s.code = ANY (p.agencies)
       AND p.valid_from <= s.day AND (p.valid_to IS NULL OR p.valid_to >= s.day)
       AND p.changed_at < s.day + 1
    GROUP BY s.day, s.code
),
judged AS (
    SELECT
        s.day, s.code, s.name, s.level,
        r.agency_code IS NOT NULL AS in_register,
        r.valid_from AS register_valid_from,
        coalesce(dc.procedures, 0) AS procedures_in_dossiers_12m,
        pc.latest_change,
        (r.internal_audit_on + interval '12 months')::date AS audit_expires_on,
        (r.management_review_on + interval '12 months')::date AS review_expires_on,
        CASE WHEN r.agency_code IS NOT NULL THEN
            coalesce(r.standard_year = 2015 AND r.declared_on <= s.day, false)
        END AS declared_2015,
        CASE WHEN r.agency_code IS NOT NULL THEN
            coalesce(r.procedures_covered >= r.procedures_total
                     AND r.procedures_covered >= coalesce(dc.procedures, 0), false)
        END AS covers_all_procedures,
        CASE WHEN r.agency_code IS NOT NULL THEN
            coalesce(s.day < (r.internal_audit_on + interval '12 months')::date, false)
        END AS internal_audit_12m,
        CASE WHEN r.agency_code IS NOT NULL THEN
            coalesce(s.day < (r.management_review_on + interval '12 months')::date, false)
        END AS management_review_12m,
        CASE WHEN r.agency_code IS NOT NULL THEN
            pc.latest_change IS NULL OR coalesce(r.docs_updated_on >= pc.latest_change, false)
        END AS docs_updated_after_procedure_change,
        CASE WHEN r.agency_code IS NOT NULL THEN
            r.inspection_result IS DISTINCT FROM 'Không đạt'
        END AS inspection_not_failed
    FROM scope AS s
    LEFT JOIN core.iso9001_register AS r
        ON r.agency_code = s.code
       AND r.valid_from <= s.day AND (r.valid_to IS NULL OR r.valid_to >= s.day)
    LEFT JOIN dossier_count AS dc ON dc.day = s.day AND dc.code = s.code
    LEFT JOIN procedure_change AS pc ON pc.day = s.day AND pc.code = s.code
),
failed AS (
    SELECT
        j.*,
        CASE WHEN NOT j.in_register THEN ARRAY['in_register']
        ELSE array_remove(ARRAY[
            CASE WHEN NOT j.declared_2015 THEN 'declared_2015' END,
            CASE WHEN NOT j.covers_all_procedures THEN 'covers_all_procedures' END,
            CASE WHEN NOT j.internal_audit_12m THEN 'internal_audit_12m' END,
            CASE WHEN NOT j.management_review_12m THEN 'management_review_12m' END,
            CASE WHEN NOT j.docs_updated_after_procedure_change
                THEN 'docs_updated_after_procedure_change' END,
            CASE WHEN NOT j.inspection_not_failed THEN 'inspection_not_failed' END
        ], NULL)
        END AS failed_rules
    FROM judged AS j
),
labels (ord, rule, vi, en) AS (
    VALUES
        (0, 'in_register', 'không có trong sổ theo dõi ISO 9001 của Sở KH&CN', 'not in register'),
        (1, 'declared_2015', 'chưa công bố theo TCVN ISO 9001:2015',
            'not declared to TCVN ISO 9001:2015'),
        (2, 'covers_all_procedures', 'hệ thống chưa bao gồm tất cả TTHC',
            'does not cover every procedure it handles'),
        (3, 'internal_audit_12m', 'quá 12 tháng chưa đánh giá nội bộ',
            'no internal audit in the last 12 months'),
        (4, 'management_review_12m', 'quá 12 tháng chưa xem xét của lãnh đạo',
            'no management review in the last 12 months'),
        (5, 'docs_updated_after_procedure_change', 'chưa cập nhật hệ thống sau khi TTHC thay đổi',
            'documents not updated after a procedure change'),
        (6, 'inspection_not_failed', 'kiểm tra gần nhất của Sở KH&CN: Không đạt',
            'last DOST inspection failed')
)
INSERT INTO kpi.iso9001_compliance (
    day, agency_code, agency_name, agency_level, in_register, declared_2015,
    covers_all_procedures, internal_audit_12m, management_review_12m,
    docs_updated_after_procedure_change, inspection_not_failed, compliant, failed_rules,
    reason, procedures_in_dossiers_12m, latest_procedure_change, audit_expires_on,
    review_expires_on, register_valid_from
)
SELECT
    f.day, f.code, f.name, f.level, f.in_register, f.declared_2015,
    f.covers_all_procedures, f.internal_audit_12m, f.management_review_12m,
    f.docs_updated_after_procedure_change, f.inspection_not_failed,
    cardinality(f.failed_rules) = 0,
    f.failed_rules,
    CASE WHEN cardinality(f.failed_rules) = 0 THEN 'Đạt / compliant'
    ELSE (
        SELECT 'Không đạt: ' || string_agg(l.vi, '; ' ORDER BY l.ord)
            || ' / Not compliant: ' || string_agg(l.en || ' (' || l.rule || ')', '; ' ORDER BY l.ord)
        FROM labels AS l
        WHERE l.rule = ANY (f.failed_rules)
    ) END,
    f.procedures_in_dossiers_12m, f.latest_change, f.audit_expires_on, f.review_expires_on,
    f.register_valid_from
FROM failed AS f;
