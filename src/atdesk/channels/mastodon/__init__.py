"""Mastodon: mention notifications by polling (min_id) and SSE streaming, replies and DMs."""
