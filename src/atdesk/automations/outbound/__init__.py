"""Outbound messages: queued texts, per-brand limits, the hand-over to a person and webhooks."""
