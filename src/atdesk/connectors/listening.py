"""A brand's listening settings handed to its channel accounts on every load (ADR 88).

The settings live on the brand (`brands.settings`), the cursors on the account; channels
are stateless, so the connector puts the brand's current `Listening` into the account
dataclass it passes them. The account's JSON never stores it: a change of the settings
reaches the next load without touching any account row.
"""

from __future__ import annotations

import dataclasses

from atdesk.channels.base import AccountState
from atdesk.domain.listening import Listening
from atdesk.models import ChannelAccount


def brand_listening(row: ChannelAccount) -> Listening:
    """The listening of the brand that owns this account."""
    return Listening.from_settings(row.brand.settings if row.brand is not None else None)


def with_listening(state: AccountState, listening: Listening) -> AccountState:
    """The account with the brand's listening in it (accounts without the field unchanged)."""
    if not any(f.name == "listen" for f in dataclasses.fields(state)):  # type: ignore[arg-type]
        return state
    if getattr(state, "listen", None) == listening:
        return state
    changed: AccountState = dataclasses.replace(state, listen=listening)  # type: ignore[type-var]
    return changed
