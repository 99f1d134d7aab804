-- Pending messages left for channels that are off (no connection) in this run.
SELECT count(*)
FROM ops.outbox AS o
WHERE o.status = 'pending'
  AND o.attempts < :max_attempts
  AND NOT (o.channel = ANY (CAST(:channels AS text[])))
  AND (CAST(:kinds AS text[]) IS NULL OR o.kind = ANY (CAST(:kinds AS text[])));
