-- The latest loaded business day (the warehouse's watermark).
SELECT max(l.business_day) FROM core.load_day AS l;
