-- Close an open breach at the period that met target again.
UPDATE kpi.alert
SET status = 'closed', closed_period = :period, closed_value = :value, closed_at = now(),
    closed_day = :day
WHERE alert_id = :alert_id AND status = 'open'
RETURNING alert_id, opened_period, opened_value, opened_day;
