"""Spike detection: volume and negative share per brand, intent and issue against their own
hour-of-day baseline (ADR 0086), as `atdesk trends`, alerts, a banner and a signed webhook."""
