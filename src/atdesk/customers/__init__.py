"""Customer records: one person across networks, with contact data the public never sees."""
