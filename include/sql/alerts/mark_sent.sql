UPDATE ops.outbox
SET sent_at = now(), attempts = attempts + 1, last_error = NULL, status = 'sent'
WHERE message_id = :message_id;
