-- Replace one (province, period, group) of official counters.
DELETE FROM kpi.official_counter
WHERE root_department_id = :root AND period_type = :period_type
  AND period_start = :period_start AND group_code = :group_code;
