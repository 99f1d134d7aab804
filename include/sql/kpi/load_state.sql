-- The warehouse watermark, its first loaded day, and the day KPIs are computed through.
SELECT
    (SELECT max(business_day) FROM core.load_day) AS watermark,
    (SELECT min(business_day) FROM core.load_day) AS first_day,
    (SELECT (value ->> 'day')::date FROM core.load_state WHERE key = :k) AS done;
