-- The rejected rows of one batch, in one statement. A version already quarantined (the
-- same record under the same key and version, by another batch or by this one before a
-- person resolved it) stays that one row: nothing new is inserted for it. The batch's
-- own open rows were cleared just before. Returns the rows inserted.
INSERT INTO quality.quarantine (
    batch_id, seq, entity, record_key, version_at, rules, reasons, record, catalogue_only
)
SELECT :b, r.seq, :e, r.k, r.v, r.rules, r.reasons, r.record, r.cat
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r (
    seq integer, k text, v text, rules text[], reasons jsonb, record jsonb, cat boolean
)
WHERE NOT EXISTS (
    SELECT 1 FROM quality.quarantine AS q
    WHERE q.entity = :e
      AND q.record_key IS NOT DISTINCT FROM r.k
      AND q.version_at IS NOT DISTINCT FROM r.v
      AND q.record = r.record
)
ON CONFLICT (batch_id, seq) DO NOTHING
RETURNING seq;
