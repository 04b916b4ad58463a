"""Channel plug-ins: how atdesk reads from and writes to each network."""
