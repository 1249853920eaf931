"""Bringing in answers collected elsewhere (Google Forms CSV, generic CSV)."""
