"""Connectors: run every brand account's channel (poll, stream, webhook) against storage.

The channels package knows how networks behave and has no database; this package keeps
each account's state in `channel_accounts.state`, publishes what it reads on the bus in the
same transaction, records API spend and channel health, and shows both to admins.
"""
