-- raw.page keeps each page as the JSON text written (text, not jsonb), compressed with
-- lz4 where the server has it and stored uncompressed where it does not. Turning a
-- province-day (~60 MB of JSON) into pglz-compressed jsonb cost the server several times
-- the whole staging COPY; the archive is written once and read back only to replay,
-- where records::jsonb (or any JSON reader) gives the same values.
ALTER TABLE raw.page ALTER COLUMN records TYPE text USING records::text;
DO $$
BEGIN
    ALTER TABLE raw.page ALTER COLUMN records SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN  -- a server built without lz4
    ALTER TABLE raw.page ALTER COLUMN records SET STORAGE EXTERNAL;
END
$$;
COMMENT ON COLUMN raw.page.records IS 'Bản ghi / the page''s records as a JSON array (text, UTF-8), personal fields hashed, free text dropped; records::jsonb to query it';
