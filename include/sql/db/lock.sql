SELECT pg_advisory_lock(:k);
