-- Archived pages of one period of one province (or of the catalogue), in page order.
SELECT endpoint, page, body, sha256, fetched_at
FROM raw.dvcqg_response
WHERE scope = :scope AND period_key = :period_key AND endpoint = ANY(:endpoints)
ORDER BY endpoint, page;
