"""The demo: the project's own scenarios, the twcs replay when present, and a login."""
