"""The data lifecycle: per-brand retention (purge or anonymise old resolved cases and posts)
and a customer's erasure (ADR 101)."""
