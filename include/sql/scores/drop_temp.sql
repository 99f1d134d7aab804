-- The working tables of one period (temp, dropped before the next period is computed).
DROP TABLE IF EXISTS judged_2_1, received_766, services_766;
