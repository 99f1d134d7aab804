-- One message for one recipient (a digest written for that recipient's filters).
INSERT INTO ops.outbox (kind, dedupe_key, recipient_id, channel, address, subject, body, detail, chart_png)
SELECT :kind, :dedupe_key, r.recipient_id, r.channel, r.address, :subject, :body,
       CAST(:detail AS jsonb), :chart_png
FROM ops.recipient AS r
WHERE r.recipient_id = :recipient_id AND r.active
ON CONFLICT (kind, dedupe_key, recipient_id) DO NOTHING;
