-- Replace the rows of one day (idempotent reruns): one statement, five tables.
WITH s AS (DELETE FROM kpi.score_766 WHERE as_of = :day),
     p AS (DELETE FROM kpi.points_at_stake WHERE as_of = :day),
     c AS (DELETE FROM kpi.points_at_stake_cause WHERE as_of = :day),
     f AS (DELETE FROM kpi.score_766_forecast WHERE as_of = :day)
DELETE FROM kpi.procedure_uptake WHERE period_start = :month_start;
