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

-- What the allow-list scrub noted about a record (text over the size limit, a record or
-- item that is not a JSON object): validation quarantines it with that rule.
ALTER TABLE staging.dossier ADD COLUMN scrub_notes text;
ALTER TABLE staging.agency ADD COLUMN scrub_notes text;
ALTER TABLE staging.procedure ADD COLUMN scrub_notes text;

-- A portal timestamp (yyyyMMddHHmmss) that exists on the calendar; empty is fine.
CREATE FUNCTION core.portal_ts_ok(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR value = '' THEN true
        WHEN value !~ '^[0-9]{14}$' THEN false
        WHEN substr(value, 1, 4)::int < 1 OR substr(value, 5, 2)::int NOT BETWEEN 1 AND 12
            THEN false
        ELSE substr(value, 7, 2)::int BETWEEN 1 AND extract(day FROM
                 make_date(substr(value, 1, 4)::int, substr(value, 5, 2)::int, 1)
                 + interval '1 month - 1 day')::int
             AND substr(value, 9, 2)::int < 24 AND substr(value, 11, 2)::int < 60
             AND substr(value, 13, 2)::int < 60
    END
$$;
COMMENT ON FUNCTION core.portal_ts_ok(text) IS 'Whether a portal yyyyMMddHHmmss value is empty or a real moment (what core.portal_ts can parse)';

-- The list-item keys of a staged dossier whose value is not a portal timestamp.
CREATE FUNCTION core.bad_item_dates(items jsonb, list_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT string_agg(DISTINCT list_name || '.' || e.key, ',' ORDER BY list_name || '.' || e.key)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(items) = 'array' THEN items END) AS a
    CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(a) = 'object' THEN a END) AS e
    WHERE NOT (jsonb_typeof(e.value) = 'null'
               OR (jsonb_typeof(e.value) = 'string' AND core.portal_ts_ok(e.value #>> '{}')))
$$;
COMMENT ON FUNCTION core.bad_item_dates(jsonb, text) IS 'Comma-joined list.key names of supplement or apology items whose date is not a real yyyyMMddHHmmss';

-- The field names of one family in a staged row's scrub notes ("family:field,...").
CREATE FUNCTION core.note_fields(notes text, family text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(array_to_string(ARRAY(
        SELECT substr(t, length(family) + 2)
        FROM unnest(string_to_array(notes, ',')) AS t
        WHERE t LIKE family || ':%'
        ORDER BY 1), ','), '')
$$;
COMMENT ON FUNCTION core.note_fields(text, text) IS 'Comma-joined fields of one rule family in staging scrub_notes (text_size, value_shape, item_object)';

-- A register version that would silently shrink the register is kept but held back.
ALTER TABLE raw.iso9001_file DROP CONSTRAINT IF EXISTS iso9001_file_load_status_check;
ALTER TABLE raw.iso9001_file ADD CONSTRAINT iso9001_file_load_status_check
    CHECK (load_status IN ('loaded', 'unreadable', 'held'));
COMMENT ON COLUMN raw.iso9001_file.load_status IS 'Trạng thái nạp / loaded (rows validated and published), unreadable (not a register: see load_error) or held (no data rows, or it drops too many agencies of the current register: see load_error)';
