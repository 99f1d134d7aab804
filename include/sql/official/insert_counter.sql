-- The counters of one department object, exactly as published (NULL = not carried).
INSERT INTO kpi.official_counter
    (root_department_id, period_type, period_start, period_end, group_code, department_id,
     department_code, department_level, is_total, total_received, total_on_time, total_overdue,
     total_completed, avg_processing_days, channel_online_sum, channel_direct_sum,
     channel_postal_sum, channel_total_sum, online_on_time_sum, online_overdue_sum,
     authority_count, partial_count, full_count, online_dossier_count, online_service_total,
     online_payment_success, financial_obligation, online_payment_formalities,
     fee_formalities_distinct, fee_dossier_formalities, fee_formalities, total_petitions,
     classified_petitions, total_dossiers, average_score, score_delta, stt, extra, fetched_on)
VALUES
    (:root, :period_type, :period_start, :period_end, :group_code, :department_id,
     :department_code, :department_level, :is_total, :total_received, :total_on_time,
     :total_overdue, :total_completed, :avg_processing_days, :channel_online_sum,
     :channel_direct_sum, :channel_postal_sum, :channel_total_sum, :online_on_time_sum,
     :online_overdue_sum, :authority_count, :partial_count, :full_count, :online_dossier_count,
     :online_service_total, :online_payment_success, :financial_obligation,
     :online_payment_formalities, :fee_formalities_distinct, :fee_dossier_formalities,
     :fee_formalities, :total_petitions, :classified_petitions, :total_dossiers,
     :average_score, :score_delta, :stt, CAST(:extra AS jsonb), :fetched_on);
