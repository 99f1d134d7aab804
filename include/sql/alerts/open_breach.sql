-- Open a breach of (kpi, agency, grain) at the period that first missed target.
INSERT INTO kpi.alert (
    kpi, agency_code, period_grain, status, severity, opened_period, opened_value, target,
    comparator, last_period, last_value, opened_day
) VALUES (
    :kpi, :agency_code, :grain, 'open', :severity, :period, :value, :target,
    :comparator, :period, :value, :day
)
RETURNING alert_id;
