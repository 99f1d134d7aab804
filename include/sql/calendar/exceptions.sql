-- The province's own working-day exceptions between two days.
SELECT day, is_working_day, note FROM core.calendar_exception WHERE day BETWEEN :f AND :l;
