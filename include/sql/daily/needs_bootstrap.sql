-- A warehouse that has never published dossiers loads /dossiers/open once.
SELECT NOT EXISTS (SELECT 1 FROM core.load_state WHERE key = 'bootstrap')
   AND NOT EXISTS (SELECT 1 FROM core.load_day) AS needed;
