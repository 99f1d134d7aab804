-- An open breach whose later (or restated) period still misses target.
UPDATE kpi.alert
SET last_period = :period, last_value = :value, severity = :severity
WHERE alert_id = :alert_id AND status = 'open';
