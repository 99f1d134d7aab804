"""Alert services: the outbox, channels, breach state, labels, charts and freshness."""
