-- Agencies of the register in force (their current rows).
SELECT DISTINCT agency_code FROM core.iso9001_register WHERE valid_to IS NULL;
