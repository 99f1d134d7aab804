-- The reconciled rows of one month of one province, province first.
SELECT agency_code, department_level, is_total, official_received, official_on_time,
       official_overdue, official_ratio, official_score, dossier_sync_status, local_received,
       local_on_time, local_overdue, local_ratio, diff_received, diff_on_time, diff_overdue,
       diff_ratio, diff_online_share, no_data, reason_code, tolerance, exceeds_tolerance
FROM kpi.official_vs_local
WHERE period_start = :month AND root_department_id = :root
ORDER BY is_total DESC, agency_code;
