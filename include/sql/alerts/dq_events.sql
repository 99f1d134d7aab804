-- Data-quality events recorded for :day (volume anomalies and the like).
SELECT e.kind, e.detail
FROM quality.dq_event AS e
WHERE e.business_day = :day
ORDER BY e.kind;
