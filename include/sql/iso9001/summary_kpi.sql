-- The province's and each level's iso9001_compliant_share on :day.
SELECT agency_code, numerator, denominator, value, target, comparator, meets_target
FROM kpi.kpi_value
WHERE kpi = 'iso9001_compliant_share' AND period_grain = 'day' AND period_start = :day
ORDER BY agency_code;
