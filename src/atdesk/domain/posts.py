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


# What the posts and authors tables hold (models/post.py, models/customer.py, models/brand.py);
# a longer value fails on PostgreSQL (SQLite stores anything), so it is refused where it is read.
MAX_NATIVE_ID = 128
MAX_HANDLE = 320
MAX_BRAND_NAME = 120  # a company's handle in a replay file names its brand
MAX_NAME = 200
MAX_LANG = 8
MAX_FOLLOWERS = 2**31 - 1


def unstorable(post: Post) -> str | None:
    """Why this post cannot be stored as it is (a field longer than its column), or None."""
    checks = (
        ("id", post.native_id, MAX_NATIVE_ID),
        ("author id", post.author.native_id, MAX_NATIVE_ID),
        ("in-reply-to id", post.in_reply_to or "", MAX_NATIVE_ID),
        ("author handle", post.author.handle, MAX_HANDLE),
        ("author name", post.author.name, MAX_NAME),
        ("language", post.lang or "", MAX_LANG),
    )
    for what, value, limit in checks:
        if len(value) > limit:
            return f"{what} has {len(value)} characters; at most {limit} can be stored"
    if post.inbound is False and len(post.author.handle) > MAX_BRAND_NAME:
        return f"a company handle names its brand: at most {MAX_BRAND_NAME} characters"
    if not 0 <= post.author.followers <= MAX_FOLLOWERS:
        return f"author followers {post.author.followers} is not between 0 and {MAX_FOLLOWERS}"
    return None


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event as a channel received it, before normalisation; what the bus carries."""

    source: str
    payload: dict[str, Any]
    line: int | None = None
    # What a replay reader already normalised the payload to (it validates every row that way),
    # so a history ingest does not normalise it again; never carried on the bus.
    post: Post | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """Serialise for the durable bus."""
        return {"source": self.source, "payload": self.payload, "line": self.line}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RawEvent:
        """Rebuild an event read back from the bus."""
        return cls(source=str(data["source"]), payload=dict(data["payload"]), line=data.get("line"))
