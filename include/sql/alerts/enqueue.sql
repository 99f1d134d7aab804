-- One outbox row per matching active recipient; the same (kind, dedupe_key) is queued once.
-- A message about an agency reaches recipients whose agency limits cover it; a message
-- about no agency (a run failure, the deadline) only the catch-all recipients.
INSERT INTO ops.outbox (kind, dedupe_key, recipient_id, channel, address, subject, body,
                        html_body, detail, chart_png, status)
SELECT :kind, :dedupe_key, r.recipient_id, r.channel, r.address, :subject, :body,
       :html_body, CAST(:detail AS jsonb), :chart_png, :status
FROM ops.recipient AS r
WHERE r.active
  AND CASE WHEN CAST(:agency_code AS text) IS NULL
           THEN r.agency_codes IS NULL AND r.agency_level IS NULL
           ELSE (r.agency_codes IS NULL OR :agency_code = ANY (r.agency_codes))
                AND (r.agency_level IS NULL OR r.agency_level = (
                    SELECT g.level FROM core.agency AS g WHERE g.code = :agency_code
                    ORDER BY g.valid_from DESC LIMIT 1))
      END
  AND (r.kpi IS NULL OR r.kpi = :kpi)
  AND (r.kinds IS NULL OR :kind = ANY (r.kinds))
ON CONFLICT (kind, dedupe_key, recipient_id) DO NOTHING;
