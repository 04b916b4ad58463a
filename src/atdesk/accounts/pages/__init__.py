"""Pages for people: signing in, one's own settings, and the admin lists of users and teams."""
