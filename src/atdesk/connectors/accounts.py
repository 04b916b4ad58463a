"""Which brand accounts can be connected, and their channel state as stored or configured.

Credentials live in `channel_accounts.state` (the account dataclass's JSON, written by the
admin page). The SPEC §6 keys (ATDESK_X_BEARER_TOKEN, ATDESK_MASTODON_TOKEN, ...) connect a
default account that has none stored: the one X or Mastodon account that could be meant,
and the Bluesky account named by ATDESK_BLUESKY_HANDLE.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atdesk.channels.base import AccountState
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.registry import account_from_json
from atdesk.channels.x.account import XAccount
from atdesk.config import Settings
from atdesk.connectors.listening import brand_listening, with_listening
from atdesk.domain.handles import handle_key
from atdesk.domain.networks import Network
from atdesk.models import ChannelAccount

log = logging.getLogger(__name__)

# Marks the row of an account connected by the SPEC §6 keys rather than the admin page.
FROM_SETTINGS = "from_settings"

# Fields whose change means "someone reconnected the account": a stopped connector restarts.
CREDENTIAL_KEYS = frozenset(
    {
        "user_token",
        "app_token",
        "consumer_secret",
        "refresh_token",
        "client_id",
        "token",
        "app_password",
        "base_url",
        "streaming_url",
    }
)


@dataclass(frozen=True, slots=True)
class Connectable:
    """One account a connector can run: the row's id and its channel state."""

    account_id: int
    brand_id: int
    network: Network
    handle: str
    state: AccountState
    from_settings: bool = False

    @property
    def fingerprint(self) -> str:
        """A digest of the credentials, to notice a reconnect (never shown, never logged)."""
        return credential_fingerprint(self.state.to_json())

    @property
    def listening(self) -> object:
        """The brand's listening as the account carries it; a change restarts the poller."""
        return getattr(self.state, "listen", None)


def credential_fingerprint(state: Mapping[str, Any]) -> str:
    """Stable digest of the credential fields of an account's JSON."""
    picked = {k: state.get(k) for k in sorted(CREDENTIAL_KEYS) if state.get(k) is not None}
    return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()[:16]


def has_credentials(state: Mapping[str, Any] | None) -> bool:
    """True when the stored JSON holds a token or an app password."""
    state = state or {}
    return bool(state.get("user_token") or state.get("token") or state.get("app_password"))


def admin_connected(state: Mapping[str, Any] | None) -> bool:
    """Credentials an admin stored (not the settings' default account)."""
    return has_credentials(state) and not (state or {}).get(FROM_SETTINGS)


def stored_state(row: ChannelAccount) -> AccountState | None:
    """The account rebuilt from its row; None (with a warning) when the JSON is unusable."""
    if not admin_connected(row.state):
        return None
    try:
        return account_from_json(row.network, row.state)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning(
            "%s account @%s has unusable stored credentials (%s); reconnect it on the admin page",
            row.network,
            row.handle,
            type(exc).__name__,
        )
        return None


def _settings_state(
    row: ChannelAccount, settings: Settings, sole: Mapping[Network, int | None]
) -> AccountState | None:
    network = Network(row.network)
    if network is Network.X and settings.x_bearer_token and sole.get(network) == row.id:
        assert row.native_user_id is not None
        return XAccount.from_settings(settings, handle=row.handle, user_id=row.native_user_id)
    if (
        network is Network.MASTODON
        and settings.mastodon_base
        and settings.mastodon_token
        and sole.get(network) == row.id
    ):
        assert row.native_user_id is not None
        return MastodonAccount.from_settings(
            settings, acct=row.handle, account_id=row.native_user_id
        )
    if (
        network is Network.BLUESKY
        and settings.bluesky_handle
        and settings.bluesky_app_password
        and handle_key(settings.bluesky_handle) == row.handle_key
    ):
        return BlueskyAccount.from_settings(settings)
    return None


def _sole_candidates(
    rows: Sequence[ChannelAccount], settings: Settings
) -> dict[Network, int | None]:
    """For X and Mastodon: the one account without stored credentials SPEC §6 keys can mean."""
    sole: dict[Network, int | None] = {}
    configured = {
        Network.X: bool(settings.x_bearer_token),
        Network.MASTODON: bool(settings.mastodon_base and settings.mastodon_token),
    }
    for network, is_set in configured.items():
        if not is_set:
            continue
        candidates = [
            r
            for r in rows
            if r.network == network.value and r.native_user_id and not admin_connected(r.state)
        ]
        if len(candidates) == 1:
            sole[network] = candidates[0].id
        elif candidates:
            log.warning(
                "ATDESK_%s_* credentials are set but %d %s accounts have none stored; connect "
                "the right one under Admin → Channels",
                network.value.upper(),
                len(candidates),
                network.value,
            )
    return sole


def connectable_accounts(rows: Sequence[ChannelAccount], settings: Settings) -> list[Connectable]:
    """Every account with stored credentials, plus the default account of the settings."""
    sole = _sole_candidates(rows, settings)
    found: list[Connectable] = []
    for row in rows:
        try:
            network = Network(row.network)
        except ValueError:
            continue
        state = stored_state(row)
        configured = False
        if state is None:
            state = _settings_state(row, settings, sole)
            configured = state is not None
        if state is not None:
            state = with_listening(state, brand_listening(row))
            found.append(Connectable(row.id, row.brand_id, network, row.handle, state, configured))
    return found


def merge_account(current: AccountState, base: AccountState, new: AccountState) -> AccountState:
    """`current` with the fields `new` changed relative to `base` applied on top.

    A poller and a stream of the same account (and a reply sent from the web app) each
    change their own fields; merging keeps one writer from undoing another's change.
    """
    if type(current) is not type(new) or type(base) is not type(new):
        return new
    changes = {
        f.name: getattr(new, f.name)
        for f in dataclasses.fields(new)  # type: ignore[arg-type]
        if getattr(new, f.name) != getattr(base, f.name)
    }
    if not changes:
        return current
    merged: AccountState = dataclasses.replace(current, **changes)  # type: ignore[type-var]
    return merged
