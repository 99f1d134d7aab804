-- KPI values (domain §4) of the restated form 06 rows, judged against the most specific
-- target valid on the as-of day: one agency > its level > every agency.
WITH stats AS (
    SELECT s.*
    FROM kpi.dossier_stats AS s
    WHERE ((s.period_grain = 'day' AND s.period_start BETWEEN :from_day AND :to_day)
           OR (s.period_grain = 'month'
               AND s.period_start BETWEEN date_trunc('month', CAST(:from_day AS date))::date AND :to_day))
      AND (CAST(:agencies AS text[]) IS NULL OR s.agency_code = ANY (CAST(:agencies AS text[]))
           OR s.agency_code = :province)
),
vals AS (
    SELECT s.period_grain, s.period_start, s.as_of, s.agency_code, v.kpi, v.is_ratio,
           v.numerator, v.denominator
    FROM stats AS s
    CROSS JOIN LATERAL (VALUES
        ('online_share', true, s.received_online_capable_online, s.received_online_capable),
        ('online_share_all', true, s.received_online, s.received_online + s.received_offline),
        ('full_online_share', true, s.received_full_online_capable_online, s.received_full_online_capable),
        ('on_time_rate', true, s.resolved_early + s.resolved_on_time, s.resolved_total),
        ('late_count', false, s.resolved_late, s.resolved_total),
        ('overdue_in_progress', false, s.in_progress_overdue, s.in_progress_total),
        ('late_without_apology', false, s.late_without_apology, s.resolved_late),
        ('multi_supplement_count', false, s.multi_supplement, s.received_online + s.received_offline)
    ) AS v (kpi, is_ratio, numerator, denominator)
),
valued AS (
    SELECT vals.*,
           CASE WHEN NOT is_ratio THEN numerator::numeric
                WHEN denominator > 0 THEN round(numerator::numeric / denominator, 6) END AS value,
           (SELECT a.level FROM core.agency AS a
             WHERE a.code = vals.agency_code
             ORDER BY (a.valid_from <= vals.as_of AND (a.valid_to IS NULL OR a.valid_to >= vals.as_of)) DESC,
                      a.valid_from DESC
             LIMIT 1) AS level
    FROM vals
),
judged AS (
    SELECT valued.*, t.target, t.comparator
    FROM valued
    LEFT JOIN LATERAL (
        SELECT tg.target, tg.comparator
        FROM kpi.target AS tg
        WHERE tg.kpi = valued.kpi
          AND tg.valid_from <= valued.as_of
          AND (tg.valid_to IS NULL OR tg.valid_to >= valued.as_of)
          AND (tg.agency_code IS NULL OR tg.agency_code = valued.agency_code)
          AND (tg.agency_level IS NULL
               OR (valued.agency_code <> :province AND tg.agency_level = valued.level))
        ORDER BY (tg.agency_code IS NOT NULL) DESC, (tg.agency_level IS NOT NULL) DESC,
                 tg.valid_from DESC, tg.target_id DESC
        LIMIT 1
    ) AS t ON true
)
INSERT INTO kpi.kpi_value (
    kpi, period_grain, period_start, agency_code, as_of, numerator, denominator, value,
    target, comparator, meets_target
)
SELECT
    kpi, period_grain, period_start, agency_code, as_of, numerator, denominator, value,
    target, comparator,
    CASE WHEN value IS NULL OR target IS NULL THEN NULL
         WHEN comparator = '>=' THEN value >= target
         WHEN comparator = '<=' THEN value <= target
         ELSE value = target END
FROM judged;
