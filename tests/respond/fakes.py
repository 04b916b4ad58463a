"""A recording outbox: what a channel would send, with network ids, and no network."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from atdesk.channels.base import Sent
from atdesk.channels.errors import TransientServerError
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post
from atdesk.models import ChannelAccount
from atdesk.models.base import utcnow
from atdesk.respond.outbox import Outgoing


@dataclass(frozen=True, slots=True)
class FakeState:
    """Account state the way channels hand it back."""

    handle: str

    def to_json(self) -> dict[str, Any]:
        return {"handle": self.handle, "sent": True}


@dataclass
class RecordingOutbox:
    """Collects messages; `fail` makes the next send a 5xx from the network."""

    sent: list[Outgoing] = field(default_factory=list)
    fail: bool = False
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9_000_000_001))

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        if self.fail:
            raise TransientServerError("the network answered 503", network=Network(account.network))
        self.sent.append(message)
        post = Post(
            network=Network(account.network),
            native_id=str(next(self.ids)),
            text=message.text,
            created_at=utcnow(),
            author=Author(Network(account.network), account.native_user_id or "", account.handle),
            in_reply_to=message.target.native_id if message.target else None,
            direct=message.recipient is not None or bool(message.target and message.target.direct),
            inbound=False,
        )
        return Sent(post, FakeState(account.handle))
