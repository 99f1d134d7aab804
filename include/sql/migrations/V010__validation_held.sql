-- Versions already held are skipped by their key: the validation record counts them.
ALTER TABLE quality.validation_run ADD COLUMN rows_held integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN quality.validation_run.rows_held IS 'Đã có / rows already held (same key as a published version, or an unchanged catalogue row): not validated again';
COMMENT ON COLUMN quality.validation_run.rows_published IS 'Đã công bố / new rows that passed and were published';
