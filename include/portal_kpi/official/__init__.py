"""Official national-portal (DVCQG, Decision 766) scores: parse, store, reconcile."""
