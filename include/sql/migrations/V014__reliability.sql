-- Reliability (issue 12): a quarantine that converges and can be resolved by a person,
-- batches that one run cannot reset under another, and the fields a scrub dropped.

ALTER TABLE quality.quarantine DROP CONSTRAINT IF EXISTS quarantine_status_check;
ALTER TABLE quality.quarantine ADD CONSTRAINT quarantine_status_check
    CHECK (status IN ('open', 'published_later', 'superseded', 'resolved'));
ALTER TABLE quality.quarantine ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE quality.quarantine ADD COLUMN resolution text;
ALTER TABLE quality.quarantine ADD COLUMN checked_at timestamptz;
ALTER TABLE quality.quarantine ADD COLUMN checks integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN quality.quarantine.id IS 'Số cách ly / the number people use to see or resolve a row (portal-kpi quarantine show ID)';
COMMENT ON COLUMN quality.quarantine.status IS 'open; published_later (a valid version as new or newer was published, or the catalogue made it valid); superseded (older rows); resolved (closed by a person, see resolution)';
COMMENT ON COLUMN quality.quarantine.resolution IS 'Lý do đóng / the reason a person gave when resolving the row';
COMMENT ON COLUMN quality.quarantine.checked_at IS 'Kiểm tra lại / when the row was last checked again against the catalogues';
COMMENT ON COLUMN quality.quarantine.checks IS 'How many times the row was checked again (it stays one open row meanwhile)';

ALTER TABLE raw.batch ADD COLUMN generation uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE raw.batch ADD COLUMN validated_generation uuid;
ALTER TABLE raw.batch ADD COLUMN dropped_fields jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN raw.batch.generation IS 'A new value on every pull of the batch: validation and publish refer to the pull they saw';
COMMENT ON COLUMN raw.batch.validated_generation IS 'The generation whose rows the last validation judged: publish refuses any other';
COMMENT ON COLUMN raw.batch.dropped_fields IS 'Trường bị loại / fields outside the contract dropped by the scrub, with counts (name -> records)';
