-- 2.1 the portal's way for the period [:ps, :day], one row per dossier of the population:
-- received by the end of :day and not ended before :ps. End of handling = the first end
-- status (done, returned, withdrawn: finished_at; stopped: its time, else the version's);
-- a dossier still open at the end of :day is judged at the end of :day. Supplement
-- requests made before that moment count: a pending one ends the dossier at its request
-- time, the waiting time of answered ones is subtracted, and more than one request is late.
-- No due date: on time (our catalogue has no maximum handling time).
CREATE TEMP TABLE judged_2_1 ON COMMIT DROP AS
WITH base AS (
    SELECT d.dossier_code, d.agency_code, d.procedure_code, d.procedure_name, d.received_at,
           d.due_at,
           CASE WHEN d.status IN (7, 9, 10) THEN d.finished_at
                WHEN d.status = 8 THEN coalesce(d.finished_at, d.updated_at) END AS ended_at,
           d.supplements
    FROM core.dossier AS d
    WHERE d.received_at IS NOT NULL
      AND d.status NOT IN (1, 3)
      AND d.received_at < CAST(:day AS date) + 1
),
judged AS (
    SELECT b.*,
           (b.ended_at IS NULL OR b.ended_at >= CAST(:day AS date) + 1) AS open_at_day,
           CASE WHEN b.ended_at < CAST(:day AS date) + 1 THEN b.ended_at
                ELSE CAST(:day AS date) + interval '1 day' - interval '1 second' END AS judged_at
    FROM base AS b
    WHERE b.ended_at IS NULL OR b.ended_at >= CAST(:ps AS date)
),
sup AS (
    SELECT j.dossier_code,
           count(*) AS requests,
           min(t.req) FILTER (WHERE t.back IS NULL OR t.back >= j.judged_at) AS pending_since,
           sum(t.back - t.req) FILTER (WHERE t.back < j.judged_at) AS waited
    FROM judged AS j
    CROSS JOIN LATERAL jsonb_array_elements(j.supplements) AS s (entry)
    CROSS JOIN LATERAL (
        SELECT core.portal_ts(s.entry ->> 'NgayBoSung') AS req,
               core.portal_ts(s.entry ->> 'NgayTiepNhanBoSung') AS back
    ) AS t
    WHERE t.req < j.judged_at
    GROUP BY j.dossier_code
)
SELECT j.dossier_code, j.agency_code, j.procedure_code, j.procedure_name, j.received_at,
       j.due_at, j.ended_at, j.open_at_day, j.judged_at,
       coalesce(s.requests, 0) AS requests,
       s.pending_since,
       coalesce(s.waited, interval '0') AS waited,
       (coalesce(s.pending_since, j.judged_at) - coalesce(s.waited, interval '0'))::date
           AS end_day,
       (coalesce(s.requests, 0) > 1
        OR (j.due_at IS NOT NULL
            AND (coalesce(s.pending_since, j.judged_at) - coalesce(s.waited, interval '0'))::date
                > j.due_at::date)) AS late
FROM judged AS j
LEFT JOIN sup AS s USING (dossier_code);
