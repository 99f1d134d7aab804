-- One row per (batch, suite); a rerun of the same batch replaces it.
INSERT INTO quality.validation_run (
    batch_id, suite, business_day, expectations_evaluated, rows_in, rows_held, rows_published,
    rows_quarantined, failures, success, data_docs
)
VALUES (:b, :s, :d, :n, :i, :h, :p, :q, CAST(:f AS jsonb), :ok, :docs)
ON CONFLICT (batch_id, suite) DO UPDATE SET
    business_day = EXCLUDED.business_day,
    run_at = now(),
    expectations_evaluated = EXCLUDED.expectations_evaluated,
    rows_in = EXCLUDED.rows_in,
    rows_held = EXCLUDED.rows_held,
    rows_published = EXCLUDED.rows_published,
    rows_quarantined = EXCLUDED.rows_quarantined,
    failures = EXCLUDED.failures,
    success = EXCLUDED.success,
    data_docs = EXCLUDED.data_docs;
