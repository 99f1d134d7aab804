-- One data-quality event per day and kind; a rerun replaces its detail.
INSERT INTO quality.dq_event (business_day, kind, detail)
VALUES (:d, :k, CAST(:v AS jsonb))
ON CONFLICT (business_day, kind)
DO UPDATE SET detail = EXCLUDED.detail, created_at = now();
