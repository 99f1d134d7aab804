-- National procedure codes in the catalogue.
SELECT DISTINCT code FROM core.procedure;
