-- Days of compliance computed in a range.
SELECT DISTINCT day FROM kpi.iso9001_compliance WHERE day BETWEEN :first AND :last ORDER BY day;
