UPDATE raw.batch SET published_at = now() WHERE batch_id = :b;
