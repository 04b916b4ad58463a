"""Pages for replying: the composer's actions, the approvals queue and the macros admin."""
