-- Recomputing replaces the day rows of the range and the month rows of its months.
DELETE FROM kpi.kpi_value
WHERE kpi = 'iso9001_compliant_share'
  AND (
      (period_grain = 'day' AND period_start BETWEEN :first AND :last)
      OR (period_grain = 'month'
          AND period_start BETWEEN date_trunc('month', CAST(:first AS date))::date
                               AND date_trunc('month', CAST(:last AS date))::date)
  );
