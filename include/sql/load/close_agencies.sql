-- A newer version closes the one before it.
UPDATE core.agency AS a
SET valid_to = n.next_from - 1
FROM (
    SELECT code, valid_from, lead(valid_from) OVER (PARTITION BY code ORDER BY valid_from) AS next_from
    FROM core.agency
) AS n
WHERE a.code = n.code AND a.valid_from = n.valid_from AND n.next_from IS NOT NULL
  AND (a.valid_to IS NULL OR a.valid_to >= n.next_from);
