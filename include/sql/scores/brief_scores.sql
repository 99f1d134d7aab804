-- The province's group and total rows of the month (latest as_of in it) and of the month
-- before, for the leadership brief.
WITH days AS (
    SELECT max(as_of) FILTER (WHERE period_start = :month) AS this_day,
           max(as_of) FILTER (WHERE period_start = :previous) AS last_day
    FROM kpi.score_766
    WHERE period_type = 'month' AND agency_code = :province
)
SELECT s.group_code, s.row_kind,
       max(s.points) FILTER (WHERE s.as_of = days.this_day) AS points,
       max(s.points) FILTER (WHERE s.as_of = days.last_day) AS previous_points,
       max(s.max_points) AS max_points,
       max(s.source) FILTER (WHERE s.as_of = days.this_day) AS source,
       max(days.this_day) AS as_of
FROM kpi.score_766 AS s, days
WHERE s.period_type = 'month' AND s.agency_code = :province
  AND s.row_kind IN ('group', 'total') AND s.as_of IN (days.this_day, days.last_day)
GROUP BY s.group_code, s.row_kind
ORDER BY s.row_kind = 'total', s.group_code;
