"""Rules that turn understood posts into actions: acknowledge, move to DM, callback, report."""
