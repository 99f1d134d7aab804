-- The most run messages one recipient got for one business day (sent or to send).
SELECT max(n) FROM (
    SELECT count(*) AS n FROM ops.outbox
    WHERE kind = 'run_summary' AND status <> 'suppressed_backfill'
    GROUP BY recipient_id, business_day
) AS per_day;
