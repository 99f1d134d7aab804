-- Form 06 identities on every row of the restated range; returns the rows that break one.
SELECT period_grain, period_start, agency_code,
       received_total, received_online, received_offline, carried_over,
       resolved_total, resolved_early, resolved_on_time, resolved_late,
       in_progress_total, in_progress_within_deadline, in_progress_overdue,
       array_remove(ARRAY[
           CASE WHEN received_total <> received_online + received_offline + carried_over
                THEN '(3)=(4)+(5)+(6)' END,
           CASE WHEN resolved_total <> resolved_early + resolved_on_time + resolved_late
                THEN '(7)=(8)+(9)+(10)' END,
           CASE WHEN in_progress_total <> in_progress_within_deadline + in_progress_overdue
                THEN '(11)=(12)+(13)' END,
           CASE WHEN received_total <> resolved_total + in_progress_total
                THEN '(3)=(7)+(11)' END
       ], NULL) AS broken
FROM kpi.dossier_stats
WHERE ((period_grain = 'day' AND period_start BETWEEN :from_day AND :to_day)
       OR (period_grain = 'month'
           AND period_start BETWEEN date_trunc('month', CAST(:from_day AS date))::date AND :to_day))
  AND (received_total <> received_online + received_offline + carried_over
       OR resolved_total <> resolved_early + resolved_on_time + resolved_late
       OR in_progress_total <> in_progress_within_deadline + in_progress_overdue
       OR received_total <> resolved_total + in_progress_total)
ORDER BY period_grain, period_start, agency_code
LIMIT 50;
