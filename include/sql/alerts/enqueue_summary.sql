-- The run's one message for one recipient and business day; queued once (a retry or a
-- rerun of the day adds nothing). :status is pending, or suppressed_backfill for a rerun
-- or backfill of a past day (recorded, never sent).
INSERT INTO ops.outbox (kind, dedupe_key, recipient_id, channel, address, subject, body,
                        html_body, detail, chart_png, status, business_day)
SELECT :kind, :dedupe_key, r.recipient_id, r.channel, r.address, :subject, :body,
       :html_body, CAST(:detail AS jsonb), :chart_png, :status, :day
FROM ops.recipient AS r
WHERE r.recipient_id = :recipient_id
ON CONFLICT (kind, dedupe_key, recipient_id) DO NOTHING;
