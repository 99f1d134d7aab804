-- One outbox row per matching active recipient; the same (kind, dedupe_key) is queued once.
INSERT INTO ops.outbox (kind, dedupe_key, recipient_id, channel, address, subject, body, detail, chart_png)
SELECT :kind, :dedupe_key, r.recipient_id, r.channel, r.address, :subject, :body,
       CAST(:detail AS jsonb), :chart_png
FROM ops.recipient AS r
WHERE r.active
  AND (r.agency_code IS NULL OR r.agency_code = :agency_code)
  AND (r.kpi IS NULL OR r.kpi = :kpi)
  AND (r.kinds IS NULL OR :kind = ANY (r.kinds))
ON CONFLICT (kind, dedupe_key, recipient_id) DO NOTHING;
