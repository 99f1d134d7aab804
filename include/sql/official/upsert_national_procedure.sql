-- One procedure of the national catalogue; the latest pull wins.
INSERT INTO core.national_procedure
    (formality_id, code, name, state, department_id, publishing_department_ids,
     applied_department_ids, fetched_at)
VALUES (:formality_id, :code, :procedure_name, :state, :department_id, :publishing_department_ids,
        :applied_department_ids, :fetched_at)
ON CONFLICT (formality_id) DO UPDATE SET
    code = EXCLUDED.code,
    name = EXCLUDED.name,
    state = EXCLUDED.state,
    department_id = EXCLUDED.department_id,
    publishing_department_ids = EXCLUDED.publishing_department_ids,
    applied_department_ids = EXCLUDED.applied_department_ids,
    fetched_at = EXCLUDED.fetched_at;
