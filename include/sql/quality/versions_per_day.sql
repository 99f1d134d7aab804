-- Dossier versions changed on each of the given days.
SELECT updated_at::date AS day, count(*) AS versions
FROM core.dossier_version
WHERE updated_at >= :f AND updated_at < :t AND updated_at::date = ANY(:days)
GROUP BY 1;
