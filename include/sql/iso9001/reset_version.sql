-- Loading a version again replaces what an earlier try staged for it.
DELETE FROM staging.iso9001_register WHERE sha256 = :sha;
