-- The one-time bootstrap from /dossiers/open is done.
INSERT INTO core.load_state (key, value) VALUES ('bootstrap', CAST(:v AS jsonb))
ON CONFLICT (key) DO NOTHING;
