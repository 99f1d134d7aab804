-- Agency codes in the catalogue (to check an imported recipient list against).
SELECT DISTINCT code FROM core.agency;
