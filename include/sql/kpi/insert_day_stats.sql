-- Form 06 per agency and day for [from_day, to_day], from the latest known state of
-- every dossier (core.dossier). Flows (received, resolved) are grouped by their day;
-- stocks (carried over, in progress, overdue) come from +1/-1 events on the intervals a
-- dossier spends in each state, summed cumulatively — linear in dossiers, not in
-- dossier-days. All comparisons are by local calendar day.
WITH d AS (
    SELECT
        agency_code AS a,
        received_at::date AS r,
        CASE WHEN status IN (7, 9, 10) THEN finished_at::date END AS f,
        due_at::date AS due,
        status,
        channel,
        online_level,
        first_apology_at::date AS apology,
        supplement_count
    FROM core.dossier
    WHERE received_at IS NOT NULL
      AND status NOT IN (1, 3)
      AND received_at < CAST(:to_day AS date) + 1
      AND (status NOT IN (7, 9, 10) OR finished_at >= CAST(:from_day AS date) - 1)
      AND (CAST(:agencies AS text[]) IS NULL OR agency_code = ANY (CAST(:agencies AS text[])))
),
bounds AS (
    SELECT
        d.a,
        -- in progress on day x  <=>  r <= x < f   (open: r <= x)
        greatest(d.r, CAST(:from_day AS date) - 1) AS ip_start,
        coalesce(d.f - 1, CAST(:to_day AS date)) AS ip_end,
        -- overdue on day x  <=>  in progress, not paused now, due < x
        CASE WHEN d.status NOT IN (5, 6, 8) AND d.due IS NOT NULL
             THEN greatest(d.r, d.due + 1, CAST(:from_day AS date) - 1) END AS od_start
    FROM d
),
events AS (
    SELECT a, ip_start AS day, 1 AS ip, 0 AS od FROM bounds WHERE ip_start <= ip_end
    UNION ALL
    SELECT a, ip_end + 1, -1, 0 FROM bounds WHERE ip_start <= ip_end AND ip_end < CAST(:to_day AS date)
    UNION ALL
    SELECT a, od_start, 0, 1 FROM bounds WHERE od_start <= ip_end
    UNION ALL
    SELECT a, ip_end + 1, 0, -1 FROM bounds WHERE od_start <= ip_end AND ip_end < CAST(:to_day AS date)
),
deltas AS (
    SELECT a, day, sum(ip) AS ip, sum(od) AS od FROM events GROUP BY a, day
),
grid AS (
    SELECT agencies.a, g.day::date AS day
    FROM (SELECT DISTINCT a FROM d) AS agencies
    CROSS JOIN generate_series(CAST(:from_day AS date) - 1, CAST(:to_day AS date), interval '1 day') AS g (day)
),
stock AS (
    SELECT
        grid.a,
        grid.day,
        sum(coalesce(deltas.ip, 0)) OVER w AS in_progress,
        sum(coalesce(deltas.od, 0)) OVER w AS overdue
    FROM grid
    LEFT JOIN deltas USING (a, day)
    WINDOW w AS (PARTITION BY grid.a ORDER BY grid.day)
),
stock_lag AS (
    SELECT a, day, in_progress, overdue,
           lag(in_progress) OVER (PARTITION BY a ORDER BY day) AS carried
    FROM stock
),
received AS (
    SELECT
        a, r AS day,
        count(*) FILTER (WHERE channel = 2) AS online,
        count(*) FILTER (WHERE channel IN (1, 3)) AS offline,
        count(*) FILTER (WHERE online_level IN (3, 4)) AS capable,
        count(*) FILTER (WHERE online_level IN (3, 4) AND channel = 2) AS capable_online,
        count(*) FILTER (WHERE online_level = 4) AS full_capable,
        count(*) FILTER (WHERE online_level = 4 AND channel = 2) AS full_capable_online,
        count(*) FILTER (WHERE supplement_count > 1) AS multi_supplement
    FROM d
    WHERE r >= :from_day
    GROUP BY a, r
),
resolved AS (
    SELECT
        a, f AS day,
        count(*) AS total,
        count(*) FILTER (WHERE status IN (9, 10) AND due IS NOT NULL AND f < due) AS early,
        count(*) FILTER (WHERE status = 7 OR (status IN (9, 10) AND (due IS NULL OR f = due))) AS on_time,
        count(*) FILTER (WHERE status IN (9, 10) AND f > due) AS late,
        count(*) FILTER (WHERE status IN (9, 10) AND f > due AND (apology IS NULL OR apology > due))
            AS late_without_apology
    FROM d
    WHERE f BETWEEN :from_day AND :to_day
    GROUP BY a, f
)
INSERT INTO kpi.dossier_stats (
    period_grain, period_start, as_of, agency_code,
    received_total, received_online, received_offline, carried_over,
    resolved_total, resolved_early, resolved_on_time, resolved_late,
    in_progress_total, in_progress_within_deadline, in_progress_overdue,
    received_online_capable, received_online_capable_online,
    received_full_online_capable, received_full_online_capable_online,
    late_without_apology, multi_supplement
)
SELECT
    'day', s.day, s.day, s.a,
    coalesce(rc.online, 0) + coalesce(rc.offline, 0) + s.carried,
    coalesce(rc.online, 0), coalesce(rc.offline, 0), s.carried,
    coalesce(rs.total, 0), coalesce(rs.early, 0), coalesce(rs.on_time, 0), coalesce(rs.late, 0),
    s.in_progress, s.in_progress - s.overdue, s.overdue,
    coalesce(rc.capable, 0), coalesce(rc.capable_online, 0),
    coalesce(rc.full_capable, 0), coalesce(rc.full_capable_online, 0),
    coalesce(rs.late_without_apology, 0), coalesce(rc.multi_supplement, 0)
FROM stock_lag AS s
LEFT JOIN received AS rc ON rc.a = s.a AND rc.day = s.day
LEFT JOIN resolved AS rs ON rs.a = s.a AND rs.day = s.day
WHERE s.day >= :from_day
  AND (s.carried <> 0 OR s.in_progress <> 0 OR rc.a IS NOT NULL OR rs.a IS NOT NULL);
