-- Per procedure, agency and month to date: receipts, online, paid online, digitised; every
-- procedure the agency handles with an online service appears, also with nothing received.
INSERT INTO kpi.procedure_uptake
    (period_start, as_of, agency_code, procedure_code, procedure_name, online_level, received,
     received_online, online_share, fee_bearing, paid_online, digitised, online_service_unused)
WITH counted AS (
    SELECT agency_code, procedure_code, max(procedure_name) AS procedure_name,
           max(online_level) AS online_level, count(*) AS received,
           count(*) FILTER (WHERE channel = 2) AS received_online,
           count(*) FILTER (WHERE has_fee AND online_payment IS DISTINCT FROM 0) AS fee_bearing,
           count(*) FILTER (WHERE has_fee AND online_payment IN (1, 2)) AS paid_online,
           count(*) FILTER (WHERE has_digitised) AS digitised
    FROM received_766
    GROUP BY agency_code, procedure_code
),
everything AS (
    SELECT coalesce(c.agency_code, v.agency_code) AS agency_code,
           coalesce(c.procedure_code, v.procedure_code) AS procedure_code,
           coalesce(v.procedure_name, c.procedure_name) AS procedure_name,
           coalesce(v.online_level, c.online_level) AS online_level,
           coalesce(c.received, 0) AS received, coalesce(c.received_online, 0) AS received_online,
           coalesce(c.fee_bearing, 0) AS fee_bearing, coalesce(c.paid_online, 0) AS paid_online,
           coalesce(c.digitised, 0) AS digitised
    FROM counted AS c
    FULL JOIN (SELECT * FROM services_766 WHERE online_level IN (3, 4)) AS v
      ON v.agency_code = c.agency_code AND v.procedure_code = c.procedure_code
)
SELECT CAST(:ps AS date), CAST(:day AS date), agency_code, procedure_code, procedure_name,
       online_level, received, received_online, kpi.ratio_766(received_online, received),
       fee_bearing, paid_online, digitised,
       (coalesce(online_level, 0) IN (3, 4) AND received_online = 0)
FROM everything;
