-- Bring core.dossier to the newest known version of every dossier the batch touched.
-- An older NgayCapNhat never overwrites a newer one.
INSERT INTO core.dossier
SELECT DISTINCT ON (v.dossier_code) v.*
FROM core.dossier_version AS v
WHERE v.dossier_code IN (
    SELECT s."MaHoSo" FROM staging.dossier AS s WHERE s.batch_id = :batch_id AND NOT s.rejected
)
ORDER BY v.dossier_code, v.updated_at DESC
ON CONFLICT (dossier_code) DO UPDATE SET
    updated_at = EXCLUDED.updated_at,
    procedure_code = EXCLUDED.procedure_code,
    procedure_name = EXCLUDED.procedure_name,
    field_code = EXCLUDED.field_code,
    field_name = EXCLUDED.field_name,
    agency_code = EXCLUDED.agency_code,
    agency_name = EXCLUDED.agency_name,
    channel = EXCLUDED.channel,
    online_level = EXCLUDED.online_level,
    applicant_type = EXCLUDED.applicant_type,
    applicant_name_hash = EXCLUDED.applicant_name_hash,
    applicant_id_hash = EXCLUDED.applicant_id_hash,
    phone_hash = EXCLUDED.phone_hash,
    email_hash = EXCLUDED.email_hash,
    submitted_at = EXCLUDED.submitted_at,
    received_at = EXCLUDED.received_at,
    due_at = EXCLUDED.due_at,
    finished_at = EXCLUDED.finished_at,
    returned_at = EXCLUDED.returned_at,
    refused_at = EXCLUDED.refused_at,
    status = EXCLUDED.status,
    return_method = EXCLUDED.return_method,
    online_payment = EXCLUDED.online_payment,
    has_digitised = EXCLUDED.has_digitised,
    supplements = EXCLUDED.supplements,
    supplement_count = EXCLUDED.supplement_count,
    apologies = EXCLUDED.apologies,
    first_apology_at = EXCLUDED.first_apology_at,
    batch_id = EXCLUDED.batch_id
WHERE core.dossier.updated_at < EXCLUDED.updated_at;
