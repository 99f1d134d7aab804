-- The newest validity start in the register (a version may not start before it).
SELECT max(valid_from) FROM core.iso9001_register;
