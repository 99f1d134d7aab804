-- The rows of this pull were judged: publish may take them.
UPDATE raw.batch SET validated_generation = generation WHERE batch_id = :b;
