-- Is :day a working day (core.calendar_day; Monday to Friday outside it), and the latest
-- loaded business day.
SELECT coalesce((SELECT c.is_working_day FROM core.calendar_day AS c WHERE c.day = :day),
                extract(isodow FROM CAST(:day AS date)) < 6) AS is_working_day,
       (SELECT max(l.business_day) FROM core.load_day AS l) AS latest_loaded;
