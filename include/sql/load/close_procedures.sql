-- A newer version closes the one before it.
UPDATE core.procedure AS p
SET valid_to = n.next_from - 1
FROM (
    SELECT code, valid_from, lead(valid_from) OVER (PARTITION BY code ORDER BY valid_from) AS next_from
    FROM core.procedure
) AS n
WHERE p.code = n.code AND p.valid_from = n.valid_from AND n.next_from IS NOT NULL
  AND (p.valid_to IS NULL OR p.valid_to >= n.next_from);
