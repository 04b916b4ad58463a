"""Engine, sessions and migrations: one request or one job is one transaction."""
