-- Validation record and quarantine (write-audit-publish).

CREATE TABLE quality.validation_run (
    batch_id                text NOT NULL,
    suite                   text NOT NULL,
    business_day            date NOT NULL,
    run_at                  timestamptz NOT NULL DEFAULT now(),
    expectations_evaluated  integer NOT NULL,
    rows_in                 integer NOT NULL,
    rows_published          integer NOT NULL,
    rows_quarantined        integer NOT NULL,
    failures                jsonb NOT NULL,
    success                 boolean NOT NULL,
    data_docs               text,
    PRIMARY KEY (batch_id, suite)
);
COMMENT ON TABLE quality.validation_run IS 'Lần kiểm tra / one GX validation of one batch: expectations evaluated, failures per rule, rows in, published and quarantined';
COMMENT ON COLUMN quality.validation_run.failures IS 'Số lỗi theo quy tắc / rows failing, per rule name';

CREATE TABLE quality.quarantine (
    batch_id        text NOT NULL,
    seq             integer NOT NULL,
    entity          text NOT NULL CHECK (entity IN ('dossier', 'agency', 'procedure')),
    record_key      text,
    version_at      text,
    rules           text[] NOT NULL,
    reasons         jsonb NOT NULL,
    record          jsonb NOT NULL,
    catalogue_only  boolean NOT NULL,
    quarantined_at  timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published_later', 'superseded')),
    resolved_at     timestamptz,
    resolved_by     text,
    PRIMARY KEY (batch_id, seq)
);
CREATE INDEX quarantine_open ON quality.quarantine (entity, record_key) WHERE status = 'open';
COMMENT ON TABLE quality.quarantine IS 'Cách ly / rows that failed validation, with every rule broken and the record (personal data hashed)';
COMMENT ON COLUMN quality.quarantine.record_key IS 'MaHoSo (dossiers), MaDonVi or MaTTHC (catalogues), when present';
COMMENT ON COLUMN quality.quarantine.catalogue_only IS 'true when every broken rule is a catalogue lookup: revalidated when a catalogue changes';

CREATE TABLE quality.dq_event (
    business_day  date NOT NULL,
    kind          text NOT NULL,
    detail        jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_day, kind)
);
COMMENT ON TABLE quality.dq_event IS 'Cảnh báo chất lượng dữ liệu / data-quality alerts such as volume anomalies';
