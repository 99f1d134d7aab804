-- Month rows from day rows: flows are sums over the days up to the as-of day (the month's
-- last day, or the watermark for the current month); carried over is the first day's;
-- stocks (in progress, within deadline, overdue) are the as-of day's. A month that began
-- before the warehouse's first loaded day starts at that day.
WITH months AS (
    SELECT m::date AS month_start,
           greatest(m::date, CAST(:first_day AS date)) AS first_day,
           least((m + interval '1 month - 1 day')::date, CAST(:watermark AS date)) AS as_of
    FROM generate_series(date_trunc('month', CAST(:from_day AS date)),
                         date_trunc('month', CAST(:to_day AS date)), interval '1 month') AS m
),
days AS (
    SELECT m.month_start, m.first_day, m.as_of AS month_as_of, s.*
    FROM months AS m
    JOIN kpi.dossier_stats AS s
      ON s.period_grain = 'day'
     AND s.period_start BETWEEN m.first_day AND m.as_of
     AND s.agency_code <> :province
     AND (CAST(:agencies AS text[]) IS NULL OR s.agency_code = ANY (CAST(:agencies AS text[])))
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
    'month', month_start, month_as_of, agency_code,
    sum(received_online + received_offline)
        + coalesce(sum(carried_over) FILTER (WHERE period_start = first_day), 0),
    sum(received_online), sum(received_offline),
    coalesce(sum(carried_over) FILTER (WHERE period_start = first_day), 0),
    sum(resolved_total), sum(resolved_early), sum(resolved_on_time), sum(resolved_late),
    coalesce(sum(in_progress_total) FILTER (WHERE period_start = month_as_of), 0),
    coalesce(sum(in_progress_within_deadline) FILTER (WHERE period_start = month_as_of), 0),
    coalesce(sum(in_progress_overdue) FILTER (WHERE period_start = month_as_of), 0),
    sum(received_online_capable), sum(received_online_capable_online),
    sum(received_full_online_capable), sum(received_full_online_capable_online),
    sum(late_without_apology), sum(multi_supplement)
FROM days
GROUP BY month_start, month_as_of, agency_code;
