"""Bluesky (AT Protocol): sessions, notifications by cursor, createRecord replies, chat DMs."""
