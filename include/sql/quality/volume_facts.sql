-- Whether a day is a working day, and how many of the given days are loaded.
SELECT
    (SELECT is_working_day FROM core.calendar_day WHERE day = :d) AS working,
    (SELECT count(*) FROM core.load_day WHERE business_day = ANY(:days)) AS loaded;
