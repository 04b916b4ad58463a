"""What the rules engine knows about a post: plain values, loaded once, so rules stay pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from atdesk.domain.handles import mentions


@dataclass(frozen=True, slots=True)
class PostFacts:
    """One inbound post and its context, as conditions read them."""

    text: str
    network: str
    created_at: datetime
    direct: bool = False
    intent: str | None = None
    intent_confidence: float | None = None
    sentiment: str | None = None
    priority: str | None = None
    language: str | None = None
    author_handle: str = ""
    followers: int = 0
    verified: bool = False
    customer_linked: bool = False
    has_location: bool = False
    pii: bool = False
    spam: bool = False
    abuse: bool = False
    in_business_hours: bool | None = None
    watched_handles: frozenset[str] = frozenset()
    mentioned: tuple[str, ...] = field(default=())

    @property
    def mentioned_handles(self) -> tuple[str, ...]:
        """@handles in the text, normalised, unless given explicitly."""
        return self.mentioned or tuple(mentions(self.text))

    @property
    def mentions_watched(self) -> bool:
        """The post names one of the brand's watched accounts (executives, press)."""
        return bool(self.watched_handles & set(self.mentioned_handles))
