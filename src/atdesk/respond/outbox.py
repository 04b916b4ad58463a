"""Sending through the channel plug-ins: find the brand's account on the network, send, keep state.

`Outbox` is the seam: the web app uses `ChannelOutbox` (the channel registry's real X,
Mastodon and Bluesky clients, pointed by each account's stored base URL at the network or
at a local emulator); tests may pass any object with the same `send` method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from atdesk.channels.base import ChannelDeps, ReplyTarget, Sent
from atdesk.channels.observer import ApiCall, FanoutObserver, HealthNotice
from atdesk.channels.registry import account_from_json, channel_for
from atdesk.domain.posts import Author
from atdesk.models import ChannelAccount


class SendRecorder(Protocol):
    """Watches one send and writes its API calls and health notices in the sender's transaction."""

    def on_api_call(self, call: ApiCall) -> None:
        """Keep an API call."""
        ...

    def on_health(self, notice: HealthNotice) -> None:
        """Keep a health notice."""
        ...

    def write(self, session: Session, *, channel_account_id: int | None) -> int:
        """Write what was kept; returns how many."""
        ...


# Who records what a send cost and the alerts it raised: the connectors, plugged in by
# atdesk.worker.wire() (the outbox sits below them). None: sends are not recorded.
_send_recorder: Callable[[str], SendRecorder] | None = None


def record_sends_with(factory: Callable[[str], SendRecorder]) -> None:
    """Record every later send with a recorder from this factory."""
    global _send_recorder
    _send_recorder = factory


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
        recorder = _send_recorder("send") if _send_recorder is not None else None
        deps = self.deps
        if recorder is not None:
            deps = replace(deps, observer=FanoutObserver(deps.observer, recorder))
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
            if recorder is not None and session is not None:  # cost and alerts, same transaction
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
