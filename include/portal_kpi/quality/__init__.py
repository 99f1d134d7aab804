"""Data quality services: the GX runner, the quarantine writer and volume checks."""
