"""Clients for the pipeline's sources."""
