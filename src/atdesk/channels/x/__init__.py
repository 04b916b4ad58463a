"""X (Twitter) API v2: mentions polling, filtered stream, Account Activity webhooks, DMs."""
