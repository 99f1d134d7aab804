-- The province row of every restated period: the sum of its agencies' rows (each dossier
-- belongs to exactly one agency), present even when every count is zero.
WITH periods AS (
    SELECT 'day' AS grain, g::date AS period_start, g::date AS as_of
    FROM generate_series(CAST(:from_day AS date), CAST(:to_day AS date), interval '1 day') AS g
    UNION ALL
    SELECT 'month', m::date,
           least((m + interval '1 month - 1 day')::date, CAST(:watermark AS date))
    FROM generate_series(date_trunc('month', CAST(:from_day AS date)),
                         date_trunc('month', CAST(:to_day AS date)), interval '1 month') AS m
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
    p.grain, p.period_start, p.as_of, :province,
    coalesce(sum(s.received_total), 0), coalesce(sum(s.received_online), 0),
    coalesce(sum(s.received_offline), 0), coalesce(sum(s.carried_over), 0),
    coalesce(sum(s.resolved_total), 0), coalesce(sum(s.resolved_early), 0),
    coalesce(sum(s.resolved_on_time), 0), coalesce(sum(s.resolved_late), 0),
    coalesce(sum(s.in_progress_total), 0), coalesce(sum(s.in_progress_within_deadline), 0),
    coalesce(sum(s.in_progress_overdue), 0),
    coalesce(sum(s.received_online_capable), 0), coalesce(sum(s.received_online_capable_online), 0),
    coalesce(sum(s.received_full_online_capable), 0),
    coalesce(sum(s.received_full_online_capable_online), 0),
    coalesce(sum(s.late_without_apology), 0), coalesce(sum(s.multi_supplement), 0)
FROM periods AS p
LEFT JOIN kpi.dossier_stats AS s
  ON s.period_grain = p.grain AND s.period_start = p.period_start AND s.agency_code <> :province
GROUP BY p.grain, p.period_start, p.as_of;
