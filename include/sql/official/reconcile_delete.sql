-- Replace one month of one province's reconciliation.
DELETE FROM kpi.official_vs_local
WHERE period_start = :month AND root_department_id = :root;
