"""The one contract every network channel implements, and the plain data it exchanges.

Providers are stateless (how a network behaves); everything about one brand account —
credentials, handle, user id, cursors, stream rule ids — is a frozen dataclass passed in
and handed back, and the caller stores it as JSON next to the events it came with, in the
same transaction. So a crash between two pages never advances a cursor past unstored posts.
"""

from __future__ import annotations

import functools
import logging
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import httpx

from atdesk.channels.clock import Clock, SystemClock
from atdesk.channels.errors import (
    AuthError,
    AuthExpired,
    AuthRevoked,
    ChannelError,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    NotPermitted,
    PermanentError,
    RateLimited,
    TransientError,
    TransientServerError,
    Unreachable,
    Unsupported,
    WebhookRejected,
)
from atdesk.channels.observer import ChannelObserver, NullObserver
from atdesk.channels.ratelimits import RateLimit, RateLimitBook
from atdesk.channels.textlength import TextLength
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post, RawEvent

__all__ = [
    "AccountState",
    "AuthError",
    "AuthExpired",
    "AuthRevoked",
    "Channel",
    "ChannelDeps",
    "ChannelError",
    "EventKind",
    "IgnoredEvent",
    "InvalidRequest",
    "MalformedResponse",
    "NotFound",
    "NotPermitted",
    "PageCursor",
    "PermanentError",
    "RateLimited",
    "ReadBatch",
    "ReadMode",
    "ReplyTarget",
    "RetryPolicy",
    "Sent",
    "TransientError",
    "TransientServerError",
    "Unreachable",
    "Unsupported",
    "WebhookRejected",
]


class ReadMode(StrEnum):
    """How a channel can receive events."""

    POLL = "poll"
    STREAM = "stream"
    WEBHOOK = "webhook"


class EventKind(StrEnum):
    """What an inbound network event is; only posts, edits and deletions become RawEvents."""

    POST = "post"
    EDIT = "edit"
    DELETE = "delete"
    REPOST = "repost"
    LIKE = "like"
    FOLLOW = "follow"
    SELF_ECHO = "self_echo"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    """An event that must not reach the pipeline (a like, a follow, the brand's own echo)."""

    kind: EventKind
    native_id: str
    reason: str


def malformed_item(network: Network, what: str, problem: str, native_id: str = "") -> IgnoredEvent:
    """An item of a shape the network's format does not allow: set aside with a warning, so
    one bad item never stops an account's reading (the rest of its page goes in)."""
    logging.getLogger(__name__).warning(
        "%s sent %s of the wrong shape (%s); set aside", network.value, what, problem
    )
    return IgnoredEvent(EventKind.OTHER, native_id, f"malformed {what}: {problem}")


class AccountState(Protocol):
    """What every per-account dataclass offers: a name for logs and a JSON round trip."""

    @property
    def account_key(self) -> str:
        """A stable name of the account (its handle) for logs, alerts and rate limits."""
        ...

    def to_json(self) -> dict[str, Any]:
        """Everything to store in the database row."""
        ...

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from what `to_json` stored."""
        ...


S = TypeVar("S", bound=AccountState)


@dataclass(frozen=True, slots=True)
class ReadBatch(Generic[S]):
    """Events to store together with `account` in one transaction, then ask for more.

    `complete` is True on the batch that finishes a poll pass (all pages read).
    """

    events: tuple[RawEvent, ...]
    account: S
    ignored: tuple[IgnoredEvent, ...] = ()
    complete: bool = False


@dataclass(frozen=True, slots=True)
class Sent(Generic[S]):
    """An outbound post or message as the network created it, and the account afterwards.

    `post` is normalised (inbound=False) so the caller can store it at once; its echo
    arriving later by poll, stream or webhook then changes nothing.
    """

    post: Post
    account: S


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The post to answer: its native id, and what is known of it (saves a lookup)."""

    native_id: str
    author: Author | None = None
    direct: bool = False
    thread_key: str | None = None

    @classmethod
    def of(cls, post: Post) -> ReplyTarget:
        """The target for answering a normalised post."""
        return cls(post.native_id, post.author, post.direct, post.thread_key)


@dataclass(frozen=True, slots=True)
class PageCursor:
    """A newest-first paged read whose high-water mark moves only after the whole pass.

    `high_water` is the newest item stored by the last complete pass; `pass_newest` is the
    newest item of the pass in progress and `next_token` where it resumes. Only the last
    page of a pass moves `pass_newest` into `high_water`. `seeded` records that a pass has
    completed, so an account whose first pass found nothing back-fills in full afterwards
    instead of being treated as new again.
    """

    high_water: str | None = None
    pass_newest: str | None = None
    next_token: str | None = None
    seeded: bool = False

    @property
    def first_run(self) -> bool:
        """True before the account's first complete pass (which reads only the newest page)."""
        return not self.seeded and self.high_water is None and not self.in_progress

    def page_read(self, newest: str | None, next_token: str | None) -> PageCursor:
        """The cursor after one page: a resume point mid-pass, the new mark at the end."""
        pass_newest = self.pass_newest or newest
        if next_token:
            return PageCursor(self.high_water, pass_newest, next_token, self.seeded)
        return PageCursor(pass_newest or self.high_water, seeded=True)

    def restarted(self) -> PageCursor:
        """The same mark with the interrupted pass forgotten (its resume token expired)."""
        return PageCursor(self.high_water, seeded=self.seeded)

    @property
    def in_progress(self) -> bool:
        """True while a pass was interrupted between pages."""
        return self.next_token is not None

    def to_json(self) -> dict[str, str | bool | None]:
        """For the account's JSON."""
        return {
            "high_water": self.high_water,
            "pass_newest": self.pass_newest,
            "next_token": self.next_token,
            "seeded": self.seeded,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PageCursor:
        """Rebuild; a missing cursor is a fresh one."""
        if not data:
            return cls()
        return cls(
            data.get("high_water"),
            data.get("pass_newest"),
            data.get("next_token"),
            bool(data.get("seeded", data.get("high_water") is not None)),
        )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one request tries before its error reaches the caller."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_rate_limit_wait: float = 16 * 60.0
    max_rate_limit_waits: int = 2

    def backoff(self, attempt: int) -> float:
        """Exponential backoff for the n-th retry (0-based)."""
        return float(min(self.backoff_cap, self.backoff_base * (2**attempt)))


@dataclass(slots=True)
class ChannelDeps:
    """What a provider needs from its surroundings; tests swap the clock and the transport."""

    observer: ChannelObserver = field(default_factory=NullObserver)
    clock: Clock = field(default_factory=SystemClock)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 10.0
    transport: httpx.BaseTransport | None = None
    book: RateLimitBook = field(default_factory=RateLimitBook)

    def http_client(self, base_url: str, headers: Mapping[str, str] | None = None) -> httpx.Client:
        """A client for one operation; closed by the caller (`with`)."""
        return httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=self.timeout,
            transport=self.transport,
            verify=tls_context(),
        )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verified TLS context per process: building one per client costs ~50 ms."""
    return httpx.create_ssl_context()


OnBatch = Callable[[ReadBatch[S]], None]


class Channel(Protocol[S]):
    """A network plug-in: read events (poll, stream, webhook), send replies and DMs, limits."""

    network: ClassVar[Network]
    modes: ClassVar[frozenset[ReadMode]]

    def poll(self, account: S) -> Iterator[ReadBatch[S]]:
        """One polling pass, page by page; persist each batch before asking for the next."""
        ...

    def stream(self, account: S, on_batch: OnBatch[S], stop: threading.Event) -> None:
        """Listen until `stop` is set, reconnecting with backoff; gaps are filled by `poll`."""
        ...

    def parse_webhook(self, account: S, body: bytes, headers: Mapping[str, str]) -> ReadBatch[S]:
        """Verify and read one webhook delivery; raise WebhookRejected when it fails."""
        ...

    def send_reply(
        self, account: S, *, target: ReplyTarget, text: str, ref: str | None = None
    ) -> Sent[S]:
        """Answer a post publicly (or privately when the target was private)."""
        ...

    def send_dm(
        self, account: S, *, recipient: Author, text: str, ref: str | None = None
    ) -> Sent[S]:
        """Send a private message."""
        ...

    def text_length(self, text: str) -> TextLength:
        """Measure a draft by this network's rule."""
        ...

    def rate_limits(self, account: S) -> tuple[RateLimit, ...]:
        """The windows last reported by the network for this account."""
        ...
