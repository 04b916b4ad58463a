"""The case workspace pages: inbox, case, actions, saved views, presence, live updates, admin."""
