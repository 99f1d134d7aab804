SELECT pg_advisory_unlock(:k);
