-- A pull starts afresh: its earlier record (and, by cascade, its archived pages) goes
-- first (daily/forget_batch.sql).
INSERT INTO raw.batch (batch_id, source, window_from, window_to, business_day)
VALUES (:b, :s, :f, :t, :d);
