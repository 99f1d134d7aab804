-- Official processing-progress and channel counts of one month beside the local form 06
-- month rows. Local on time = col 8 + 9 + 12, overdue = col 10 + 13, base = col 3 (domain
-- README section 5); ratios are compared at the published precision (0.01 %). A side that
-- received nothing gives "no data", never 0 %.
INSERT INTO kpi.official_vs_local
    (period_start, root_department_id, agency_code, department_id, department_level, is_total,
     official_received, official_on_time, official_overdue, official_ratio, official_score,
     official_channel_online, official_channel_offline, dossier_sync_status, local_as_of,
     local_received, local_on_time, local_overdue, local_ratio, local_received_online,
     local_received_offline, diff_received, diff_on_time, diff_overdue, diff_ratio,
     diff_online_share, no_data, reason_code, tolerance, exceeds_tolerance)
WITH progress AS (
    SELECT c.department_id, c.department_code, c.department_level, c.is_total,
           c.total_received, c.total_on_time,
           coalesce(c.total_overdue, c.total_received - c.total_on_time) AS total_overdue,
           s.ratio, s.score
    FROM kpi.official_counter AS c
    LEFT JOIN kpi.official_score AS s
      ON s.root_department_id = c.root_department_id AND s.period_type = c.period_type
     AND s.period_start = c.period_start AND s.group_code = c.group_code
     AND s.department_id = c.department_id AND s.metric_code = '_TOTAL'
    WHERE c.root_department_id = :root AND c.period_type = 'month'
      AND c.period_start = :month AND c.group_code = 'dvc-progress-tree'
      AND c.department_code IS NOT NULL
),
online AS (
    SELECT department_id, channel_online_sum,
           channel_direct_sum + channel_postal_sum AS channel_offline_sum
    FROM kpi.official_counter
    WHERE root_department_id = :root AND period_type = 'month' AND period_start = :month
      AND group_code = 'provide-online-tree'
),
sync AS (
    SELECT department_id, data_quality_status
    FROM kpi.official_score
    WHERE root_department_id = :root AND period_type = 'month' AND period_start = :month
      AND group_code = 'transparency' AND metric_code = 'DOSSIER_SYNC'
),
province AS (
    SELECT min(department_code) AS code FROM progress WHERE is_total
),
local_month AS (
    SELECT st.*
    FROM kpi.dossier_stats AS st, province
    WHERE st.period_grain = 'month' AND st.period_start = :month
      AND (st.agency_code = province.code OR st.agency_code LIKE province.code || '.%')
),
joined AS (
    SELECT coalesce(p.department_code, l.agency_code) AS agency_code,
           p.department_id, p.department_level,
           coalesce(p.is_total, l.agency_code = (SELECT code FROM province)) AS is_total,
           p.total_received AS o_received, p.total_on_time AS o_on_time,
           p.total_overdue AS o_overdue, p.ratio / 100.0 AS o_ratio, p.score AS o_score,
           o.channel_online_sum AS o_online, o.channel_offline_sum AS o_offline,
           y.data_quality_status AS sync_status,
           l.as_of AS l_as_of, l.received_total AS l_received,
           l.resolved_early + l.resolved_on_time + l.in_progress_within_deadline AS l_on_time,
           l.resolved_late + l.in_progress_overdue AS l_overdue,
           l.in_progress_within_deadline AS l_within,
           l.received_online AS l_online, l.received_offline AS l_offline
    FROM progress AS p
    FULL JOIN local_month AS l ON l.agency_code = p.department_code
    LEFT JOIN online AS o ON o.department_id = p.department_id
    LEFT JOIN sync AS y ON y.department_id = p.department_id
),
measured AS (
    SELECT j.*,
           (coalesce(j.o_received, 0) = 0 OR coalesce(j.l_received, 0) = 0) AS no_data,
           CASE WHEN j.l_received > 0 THEN j.l_on_time::numeric / j.l_received END AS l_ratio,
           j.o_received - j.l_received AS d_received,
           j.o_on_time - j.l_on_time AS d_on_time,
           j.o_overdue - j.l_overdue AS d_overdue,
           CASE WHEN j.o_online + j.o_offline > 0 AND j.l_online + j.l_offline > 0
                THEN j.o_online / (j.o_online + j.o_offline)
                     - j.l_online::numeric / (j.l_online + j.l_offline) END AS d_online_share
    FROM joined AS j
),
judged AS (
    SELECT m.*,
           CASE WHEN m.no_data THEN NULL ELSE m.o_ratio - round(m.l_ratio, 4) END AS d_ratio,
           (coalesce(m.d_received, 0) <> 0 OR coalesce(m.d_on_time, 0) <> 0
            OR coalesce(m.d_overdue, 0) <> 0 OR coalesce(m.d_online_share, 0) <> 0)
               AS differs
    FROM measured AS m
)
SELECT :month, :root, agency_code, department_id, department_level, is_total,
       o_received, o_on_time, o_overdue, o_ratio, o_score, o_online, o_offline, sync_status,
       l_as_of, l_received, l_on_time, l_overdue, l_ratio, l_online, l_offline,
       d_received, d_on_time, d_overdue, d_ratio, d_online_share, no_data,
       CASE
           WHEN coalesce(o_received, 0) = 0 AND l_received > 0 THEN 'not_synced'
           WHEN no_data THEN 'no_data'
           WHEN NOT differs THEN NULL
           WHEN sync_status IS NOT NULL THEN 'flagged_denominator'
           WHEN o_received < l_received THEN 'not_synced'
           WHEN o_received = l_received AND o_overdue > l_overdue
                AND o_overdue - l_overdue <= l_within THEN 'paused_as_finished'
       END,
       :tolerance,
       (NOT no_data AND (abs(d_ratio) > :tolerance
                         OR coalesce(abs(d_online_share), 0) > :tolerance))
FROM judged;
