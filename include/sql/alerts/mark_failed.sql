UPDATE ops.outbox
SET attempts = attempts + 1, last_error = :error
WHERE message_id = :message_id;
