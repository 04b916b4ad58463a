"""Admins connect a brand's network account: credentials are checked, stored, never shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.x.account import DEFAULT_BASE_URL as X_DEFAULT_BASE
from atdesk.channels.x.account import XAccount
from atdesk.domain.errors import AppError
from atdesk.domain.networks import Network
from atdesk.models import ChannelAccount, User


class CredentialsError(AppError):
    """Credentials that cannot be stored as given, with what is missing."""


def connect(
    session: Session,
    account: ChannelAccount,
    *,
    token: str,
    base_url: str,
    native_user_id: str,
    actor: User,
) -> None:
    """Store the account state the channel client needs; the token is write-only."""
    token, base_url, native_user_id = token.strip(), base_url.strip(), native_user_id.strip()
    if not token:
        raise CredentialsError("paste the token (or app password) to connect the account")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise CredentialsError(
            "the base URL must start with https:// (or http:// for a local emulator)"
        )
    if account.network == Network.X.value:
        user_id = native_user_id or account.native_user_id or ""
        if not user_id.isdigit():
            raise CredentialsError("X needs the brand's numeric user id")
        state = XAccount(
            handle=account.handle,
            user_id=user_id,
            user_token=token,
            base_url=base_url or X_DEFAULT_BASE,
        ).to_json()
        account.native_user_id = user_id
    elif account.network == Network.MASTODON.value:
        if not base_url or not native_user_id:
            raise CredentialsError("Mastodon needs the instance URL and the account id")
        state = MastodonAccount(
            acct=account.handle, account_id=native_user_id, token=token, base_url=base_url
        ).to_json()
        account.native_user_id = native_user_id
    elif account.network == Network.BLUESKY.value:
        bluesky = BlueskyAccount(handle=account.handle, app_password=token)
        state = (bluesky.with_(base_url=base_url) if base_url else bluesky).to_json()
    else:
        raise CredentialsError(f"unknown network {account.network!r}")
    account.state = keep_read_positions(account.state or {}, state)
    audit.record(
        session,
        entity_type="channel_account",
        entity_id=account.id,
        action="channel_account.connected",
        actor=actor,
        after={"network": account.network, "handle": account.handle, "base_url": base_url},
    )
    session.flush()


READ_POSITIONS = ("mentions", "dms", "notifications", "notifications_mark", "chat_cursor")


SAME_ENDPOINT = ("base_url", "user_id", "account_id", "handle", "acct")


def keep_read_positions(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """New credentials for the same account keep its cursors, so nothing is read twice or lost."""
    if not old or any(old.get(k) != new.get(k) for k in SAME_ENDPOINT if k in new):
        return new
    return {**new, **{k: old[k] for k in READ_POSITIONS if k in old and k in new}}


def remove(session: Session, account: ChannelAccount, *, actor: User) -> None:
    """Disconnect and delete a brand's account (its posts stay)."""
    audit.record(
        session,
        entity_type="channel_account",
        entity_id=account.id,
        action="channel_account.removed",
        actor=actor,
        before={"network": account.network, "handle": account.handle},
    )
    session.delete(account)
    session.flush()
