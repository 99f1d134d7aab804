-- The next pending message of an enabled channel, locked for this sender (another sender
-- running at the same time skips it). Backfill-suppressed messages are never claimed.
SELECT o.message_id, o.kind, o.channel, o.address, o.subject, o.body, o.html_body,
       o.chart_png, o.attempts
FROM ops.outbox AS o
WHERE o.status = 'pending'
  AND o.message_id > :after
  AND o.attempts < :max_attempts
  AND o.channel = ANY (CAST(:channels AS text[]))
  AND (CAST(:kinds AS text[]) IS NULL OR o.kind = ANY (CAST(:kinds AS text[])))
ORDER BY o.message_id
LIMIT 1
FOR UPDATE SKIP LOCKED;
