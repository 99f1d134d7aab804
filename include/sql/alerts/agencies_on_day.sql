-- Every agency's name and level valid on :day (the catalogue's latest version otherwise).
SELECT DISTINCT ON (g.code) g.code, g.name, g.level
FROM core.agency AS g
ORDER BY g.code, (g.valid_from <= :day AND (g.valid_to IS NULL OR g.valid_to >= :day)) DESC,
         g.valid_from DESC;
