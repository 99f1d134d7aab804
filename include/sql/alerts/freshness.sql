-- Facts for the freshness check of :day: is it a working day, did the portal report
-- changes (versions updated that local day), was the day loaded, the data-quality event
-- for "no changes", and the latest successful load.
SELECT
    (SELECT c.is_working_day FROM core.calendar_day AS c WHERE c.day = :day) AS is_working_day,
    (SELECT count(*) FROM core.dossier_version AS v
      WHERE v.updated_at >= :day_start AND v.updated_at < :next_day_start) AS versions,
    EXISTS (SELECT 1 FROM core.load_day AS l WHERE l.business_day = :day) AS loaded,
    EXISTS (SELECT 1 FROM quality.dq_event AS e
             WHERE e.business_day = :day AND e.kind = 'no_changes_on_working_day') AS dq_no_changes,
    (SELECT max(l.loaded_at) FROM core.load_day AS l) AS last_loaded_at,
    (SELECT max(l.business_day) FROM core.load_day AS l) AS watermark;
