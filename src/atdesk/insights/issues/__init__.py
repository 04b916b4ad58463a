"""Emerging issues: inbound customer posts grouped per brand into labelled issues, live and over
history (ADR 85)."""
