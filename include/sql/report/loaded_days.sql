-- The latest local days portal_daily published: dossier versions seen, rows quarantined
-- from that day's batches, and dossiers received (status 2) with a version on that day.
SELECT l.business_day AS day,
       l.versions_seen,
       (SELECT count(*) FROM quality.quarantine AS q JOIN raw.batch AS b USING (batch_id)
         WHERE b.business_day = l.business_day) AS quarantined,
       (SELECT count(DISTINCT v.dossier_code) FROM core.dossier_version AS v
         WHERE v.status = 2 AND v.updated_at >= l.business_day
           AND v.updated_at < l.business_day + 1) AS received
FROM core.load_day AS l
WHERE CAST(:day AS date) IS NULL OR l.business_day = CAST(:day AS date)
ORDER BY l.business_day DESC
LIMIT :n;
