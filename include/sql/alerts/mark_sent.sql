UPDATE ops.outbox
SET sent_at = now(), attempts = attempts + 1, last_error = NULL
WHERE message_id = :message_id;
