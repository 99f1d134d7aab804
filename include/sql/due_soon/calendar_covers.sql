-- Does the working-day calendar cover run day D (:day) and the two working days after it?
SELECT EXISTS (SELECT 1 FROM core.calendar_day WHERE day = CAST(:day AS date))
       AND core.add_working_days(CAST(:day AS date), 2) IS NOT NULL AS covered;
