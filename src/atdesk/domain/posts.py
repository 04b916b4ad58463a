"""The one Post shape every channel normalises into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from atdesk.domain.networks import Network


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a post, as the network describes them at the time of the post."""

    network: Network
    native_id: str
    handle: str
    name: str = ""
    followers: int = 0
    verified: bool = False


@dataclass(frozen=True, slots=True)
class Post:
    """A normalised post or private message; `inbound` is None until the brand is known.

    `thread_key` names a private-message thread when the network has one (X's
    dm_conversation_id, a Bluesky convo id); public posts thread through reply ids instead.
    """

    network: Network
    native_id: str
    text: str
    created_at: datetime
    author: Author
    in_reply_to: str | None = None
    reply_ids: tuple[str, ...] = ()
    to_handle: str | None = None
    direct: bool = False
    coordinates: tuple[float, float] | None = None
    media: tuple[str, ...] = ()
    lang: str | None = None
    inbound: bool | None = None
    is_repost: bool = False
    deleted: bool = False
    edited: bool = False
    thread_key: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        """The idempotency key: a re-delivery of the same native post maps to the same key."""
        return (self.network.value, self.native_id)


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event as a channel received it, before normalisation; what the bus carries."""

    source: str
    payload: dict[str, Any]
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialise for the durable bus."""
        return {"source": self.source, "payload": self.payload, "line": self.line}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RawEvent:
        """Rebuild an event read back from the bus."""
        return cls(source=str(data["source"]), payload=dict(data["payload"]), line=data.get("line"))
