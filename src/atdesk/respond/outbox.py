"""Sending through the channel plug-ins: find the brand's account on the network, send, keep state.

`Outbox` is the seam: the web app uses `ChannelOutbox` (the channel registry's real X,
Mastodon and Bluesky clients, pointed by each account's stored base URL at the network or
at a local emulator); tests may pass any object with the same `send` method.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from atdesk.channels.base import ChannelDeps, ReplyTarget, Sent
from atdesk.channels.observer import FanoutObserver
from atdesk.channels.registry import account_from_json, channel_for
from atdesk.connectors.observer import BufferedObserver
from atdesk.domain.posts import Author
from atdesk.models import ChannelAccount


class DeliveryError(RuntimeError):
    """A reply that could not go out, with what to do about it."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: a reply to a post, or a private message to a person."""

    text: str
    ref: str
    target: ReplyTarget | None = None
    recipient: Author | None = None


class Outbox(Protocol):
    """Sends one outgoing message for a brand account and returns what the network created."""

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        """Send and return the created post and the account state afterwards."""
        ...


class ChannelOutbox:
    """The production outbox: the network's channel client with the account's stored state."""

    def __init__(self, deps: ChannelDeps | None = None) -> None:
        self.deps = deps or ChannelDeps()

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        """Send through the channel; credentials problems say where to fix them."""
        try:
            state = account_from_json(account.network, account.state or {})
        except (KeyError, TypeError, ValueError):
            raise DeliveryError(
                f"@{account.handle} on {account.network} has no credentials; an admin adds them "
                "under Admin → Brands"
            ) from None
        recorder = BufferedObserver("send")
        deps = replace(self.deps, observer=FanoutObserver(self.deps.observer, recorder))
        channel = channel_for(account.network, deps)
        try:
            if message.recipient is not None:
                return channel.send_dm(
                    state, recipient=message.recipient, text=message.text, ref=message.ref
                )
            assert message.target is not None
            return channel.send_reply(
                state, target=message.target, text=message.text, ref=message.ref
            )
        finally:
            session = object_session(account)
            if session is not None:  # the send's cost and alerts, in the sender's transaction
                recorder.write(session, channel_account_id=account.id)


def brand_account(session: Session, brand_id: int, network: str) -> ChannelAccount:
    """The brand's account on a network; a clear error when the brand has none."""
    account = session.scalar(
        select(ChannelAccount)
        .where(ChannelAccount.brand_id == brand_id, ChannelAccount.network == network)
        .order_by(ChannelAccount.id)
        .limit(1)
    )
    if account is None:
        raise DeliveryError(
            f"this brand has no {network} account; an admin adds one under Admin → Brands"
        )
    return account
