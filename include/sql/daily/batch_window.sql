-- The window a batch was pulled for.
SELECT window_from, window_to FROM raw.batch WHERE batch_id = :b;
