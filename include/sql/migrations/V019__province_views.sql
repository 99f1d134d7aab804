-- Many provinces, one warehouse database each (include/provinces.yaml): the database says
-- which province it holds, and every view of schema kpi carries that code as its last
-- column, province_code, so a BI tool reading several province databases (or a union of
-- them) can filter and group by province.

CREATE TABLE kpi.province (
    one_row    boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    code       text NOT NULL,
    name       text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE kpi.province IS 'Tỉnh của kho dữ liệu này / the province this warehouse database holds (one row, written by the migrate task from provinces.yaml)';
COMMENT ON COLUMN kpi.province.one_row IS 'Luôn true: một dòng / always true: a single row';
COMMENT ON COLUMN kpi.province.code IS 'Mã tỉnh / province code (e.g. H48)';
COMMENT ON COLUMN kpi.province.name IS 'Tên tỉnh / province name';
COMMENT ON COLUMN kpi.province.claimed_at IS 'Thời điểm ghi / when the database was first claimed for the province';

-- Every view of schema kpi gets province_code as its last column (CREATE OR REPLACE VIEW
-- may only add columns at the end, so the existing columns, their comments and the views
-- built on them stay). A later migration that replaces one of these views must keep
-- province_code as its last column.
DO $$
DECLARE
    v record;
    body text;
BEGIN
    FOR v IN
        SELECT c.oid, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'kpi' AND c.relkind = 'v'
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attname = 'province_code')
        ORDER BY c.oid
    LOOP
        body := rtrim(pg_get_viewdef(v.oid), E'; \n');
        EXECUTE format(
            'CREATE OR REPLACE VIEW kpi.%I AS SELECT v.*, '
            '(SELECT p.code FROM kpi.province p) AS province_code FROM (%s) v',
            v.relname, body);
        EXECUTE format(
            'COMMENT ON COLUMN kpi.%I.province_code IS %L', v.relname,
            'Mã tỉnh của kho dữ liệu / province code of this warehouse database (kpi.province)');
    END LOOP;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        GRANT SELECT ON kpi.province TO bi_reader;
    END IF;
END
$$;
