-- The median of versions seen per loaded day over the four weeks before a day.
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY versions_seen)
FROM core.load_day
WHERE business_day < :d AND business_day >= CAST(:d AS date) - 28;
