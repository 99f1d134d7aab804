-- One official metric of one department, exactly as published (NULL stays NULL).
INSERT INTO kpi.official_score
    (root_department_id, period_type, period_start, period_end, group_code, department_id,
     department_code, department_name, department_level, is_total, metric_code, metric_name,
     numerator, denominator, ratio, score, max_score, data_quality_status,
     data_quality_message, fetched_on)
VALUES
    (:root, :period_type, :period_start, :period_end, :group_code, :department_id,
     :department_code, :department_name, :department_level, :is_total, :metric_code,
     :metric_name, :numerator, :denominator, :ratio, :score, :max_score,
     :data_quality_status, :data_quality_message, :fetched_on);
