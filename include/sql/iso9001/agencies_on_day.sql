-- Agency codes valid in the catalogue on :day (the register's rows must name one).
SELECT DISTINCT code FROM core.agency
WHERE valid_from <= :day AND (valid_to IS NULL OR valid_to >= :day);
