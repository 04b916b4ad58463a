"""CSAT and NPS surveys after resolution."""
