-- Build the early-warning lists of run day D (:day) from the latest known state of each
-- dossier (core.dossier), evaluated at the end of D as form 06 does:
--   * in progress at D: received on or before D, and open now (2, 4, 5, 6, 8) or closed
--     after D (7, 9, 10 with NgayKetThucXuLy after D; only a rerun of an old day sees these);
--   * paused means the current status 5, 6 or 8, and paused is never overdue.
-- kpi.due_soon:      overdue (due day <= D), due_soon (D < due day <= 2nd working day after D),
--                    paused (paused with a due day <= 2nd working day after D).
-- kpi.apology_watch: apology_owed (in progress, not paused, due day <= 1st working day after D,
--                    no letter dated on or before the due day) and apology_late (status 9/10
--                    finished on D after the due day, no letter on or before the due day).
-- working_days_left = W(due day) - W(D), W(x) = working days up to x (core.calendar_day;
-- Monday-Friday outside the calendar's range). Run after delete_day.sql, same transaction.
WITH params AS (
    SELECT CAST(:day AS date) AS d,
           core.add_working_days(CAST(:day AS date), 1) AS wd1,
           core.add_working_days(CAST(:day AS date), 2) AS wd2
),
in_progress AS MATERIALIZED (
    SELECT x.*, x.due_at::date AS due_day, x.status IN (5, 6, 8) AS paused,
           coalesce(x.first_apology_at::date <= x.due_at::date, false) AS apology_on_time
    FROM core.dossier AS x
    CROSS JOIN params AS p
    WHERE x.received_at < p.d + 1
      AND x.due_at < p.wd2 + 1
      AND (x.status IN (2, 4, 5, 6, 8)
           OR (x.status IN (7, 9, 10) AND x.finished_at >= p.d + 1))
),
resolved_late AS MATERIALIZED (
    SELECT x.*, x.due_at::date AS due_day
    FROM core.dossier AS x
    CROSS JOIN params AS p
    WHERE x.status IN (9, 10)
      AND x.received_at IS NOT NULL
      AND x.finished_at >= p.d AND x.finished_at < p.d + 1
      AND x.due_at < p.d
      AND (x.first_apology_at IS NULL OR x.first_apology_at::date > x.due_at::date)
),
span AS (
    SELECT least(p.d, (SELECT min(due_day) FROM in_progress),
                 (SELECT min(due_day) FROM resolved_late)) AS lo,
           greatest(p.d, p.wd2) AS hi
    FROM params AS p
),
days AS (
    SELECT g::date AS day,
           sum(CASE WHEN coalesce(c.is_working_day, extract(isodow FROM g) < 6) THEN 1 ELSE 0 END)
               OVER (ORDER BY g) AS w
    FROM span AS s
    CROSS JOIN LATERAL generate_series(s.lo, s.hi, interval '1 day') AS g
    LEFT JOIN core.calendar_day AS c ON c.day = g::date
),
w_d AS (
    SELECT days.w FROM days, params AS p WHERE days.day = p.d
),
listed AS (
    SELECT i.*,
           CASE WHEN i.paused THEN 'paused'
                WHEN i.due_day <= p.d THEN 'overdue'
                ELSE 'due_soon' END AS category,
           dd.w - (SELECT w FROM w_d) AS working_days_left,
           NOT i.paused AND i.due_day <= p.wd1 AND NOT i.apology_on_time AS apology_owed
    FROM in_progress AS i
    CROSS JOIN params AS p
    LEFT JOIN days AS dd ON dd.day = i.due_day
),
ins_due AS (
    INSERT INTO kpi.due_soon (
        as_of, dossier_code, category, agency_code, agency_name, procedure_code,
        procedure_name, channel, status, received_at, due_at, due_day, working_days_left,
        supplement_count, has_apology, apology_on_time, apology_owed, first_apology_at
    )
    SELECT CAST(:day AS date), l.dossier_code, l.category, l.agency_code, l.agency_name,
           l.procedure_code, l.procedure_name, l.channel, l.status, l.received_at, l.due_at,
           l.due_day, l.working_days_left, l.supplement_count,
           jsonb_array_length(l.apologies) > 0 OR l.first_apology_at IS NOT NULL,
           l.apology_on_time, l.apology_owed, l.first_apology_at
    FROM listed AS l
    RETURNING category, agency_code
),
ins_apology AS (
    INSERT INTO kpi.apology_watch (
        as_of, dossier_code, category, agency_code, agency_name, procedure_code,
        procedure_name, channel, status, received_at, due_at, due_day, finished_at,
        working_days_left, supplement_count, first_apology_at
    )
    SELECT CAST(:day AS date), l.dossier_code, 'apology_owed', l.agency_code, l.agency_name,
           l.procedure_code, l.procedure_name, l.channel, l.status, l.received_at, l.due_at,
           l.due_day, NULL, l.working_days_left, l.supplement_count, l.first_apology_at
    FROM listed AS l
    WHERE l.apology_owed
    UNION ALL
    SELECT CAST(:day AS date), r.dossier_code, 'apology_late', r.agency_code, r.agency_name,
           r.procedure_code, r.procedure_name, r.channel, r.status, r.received_at, r.due_at,
           r.due_day, r.finished_at, dd.w - (SELECT w FROM w_d), r.supplement_count,
           r.first_apology_at
    FROM resolved_late AS r
    LEFT JOIN days AS dd ON dd.day = r.due_day
    RETURNING category, agency_code
),
counts AS (
    SELECT
        (SELECT count(*) FROM ins_due WHERE category = 'overdue') AS overdue,
        (SELECT count(*) FROM ins_due WHERE category = 'due_soon') AS due_soon,
        (SELECT count(*) FROM ins_due WHERE category = 'paused') AS paused,
        (SELECT count(*) FROM ins_apology WHERE category = 'apology_owed') AS apology_owed,
        (SELECT count(*) FROM ins_apology WHERE category = 'apology_late') AS apology_late,
        (SELECT count(DISTINCT agency_code) FROM (
            SELECT agency_code FROM ins_due WHERE category <> 'paused'
            UNION ALL
            SELECT agency_code FROM ins_apology
        ) AS a) AS agencies
)
INSERT INTO kpi.due_soon_run AS r (
    as_of, overdue, due_soon, paused, apology_owed, apology_late, agencies
)
SELECT CAST(:day AS date), c.overdue, c.due_soon, c.paused, c.apology_owed, c.apology_late,
       c.agencies
FROM counts AS c
ON CONFLICT (as_of) DO UPDATE SET
    overdue = EXCLUDED.overdue,
    due_soon = EXCLUDED.due_soon,
    paused = EXCLUDED.paused,
    apology_owed = EXCLUDED.apology_owed,
    apology_late = EXCLUDED.apology_late,
    agencies = EXCLUDED.agencies,
    refreshed_at = now()
RETURNING r.overdue, r.due_soon, r.paused, r.apology_owed, r.apology_late, r.agencies;
