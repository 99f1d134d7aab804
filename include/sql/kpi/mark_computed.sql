-- KPIs are computed through a day; the mark never moves back.
INSERT INTO core.load_state (key, value)
VALUES (:k, jsonb_build_object('day', CAST(:d AS text)))
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
WHERE (core.load_state.value ->> 'day')::date < CAST(:d AS date);
