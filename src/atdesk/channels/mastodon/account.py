"""Everything about one brand account on a Mastodon instance that must survive a restart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from atdesk.config import Settings
from atdesk.domain.listening import Listening, TermKind

VISIBILITIES = ("public", "unlisted", "private", "direct")


@dataclass(frozen=True, slots=True)
class MastodonAccount:
    """A brand's Mastodon account: instance, token, identity and the notifications mark.

    `acct` is how the instance names the brand (`help` locally, `help@city.example`
    elsewhere); `account_id` its id on that instance (recognises the brand's own posts).
    `streaming_url` is the instance's streaming host when it differs from `base_url`.
    """

    acct: str
    account_id: str
    token: str = field(repr=False)
    base_url: str
    streaming_url: str | None = None
    notifications_mark: str | None = None
    max_characters: int = 500
    reply_visibility: str = "public"
    # The brand's listening (put in by the connector on every load, never stored) and the
    # mark of each listening read: `tag:<name>` timelines, `search:<term>` searches (ADR 88).
    listen: Listening = field(default_factory=Listening)
    heard_marks: Mapping[str, str] = field(default_factory=dict)

    @property
    def listen_reads(self) -> list[tuple[str, str]]:
        """(mark key, what to read) for every tracked term: hashtags by their timeline,
        words and phrases by status search."""
        reads: list[tuple[str, str]] = []
        for term in self.listen.terms:
            if term.kind is TermKind.HASHTAG:
                reads.append((f"tag:{term.text}", term.text))
            else:
                reads.append((f"search:{term.written}", term.written))
        return reads

    def __post_init__(self) -> None:
        if self.reply_visibility not in VISIBILITIES:
            raise ValueError(f"reply_visibility must be one of {', '.join(VISIBILITIES)}")

    @property
    def account_key(self) -> str:
        """The acct, as alerts and logs name the account."""
        return self.acct.lstrip("@")

    def with_(self, **changes: Any) -> MastodonAccount:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """Everything to store in the channel account row."""
        return {
            "acct": self.acct,
            "account_id": self.account_id,
            "token": self.token,
            "base_url": self.base_url,
            "streaming_url": self.streaming_url,
            "notifications_mark": self.notifications_mark,
            "max_characters": self.max_characters,
            "reply_visibility": self.reply_visibility,
            "heard_marks": dict(self.heard_marks),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from the stored JSON."""
        return cls(
            acct=str(data["acct"]),
            account_id=str(data["account_id"]),
            token=str(data["token"]),
            base_url=str(data["base_url"]),
            streaming_url=data.get("streaming_url"),
            notifications_mark=data.get("notifications_mark"),
            max_characters=int(data.get("max_characters") or 500),
            reply_visibility=str(data.get("reply_visibility") or "public"),
            heard_marks={str(k): str(v) for k, v in (data.get("heard_marks") or {}).items()},
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, acct: str, account_id: str) -> MastodonAccount:
        """The account configured by ATDESK_MASTODON_BASE and ATDESK_MASTODON_TOKEN."""
        if not settings.mastodon_base or not settings.mastodon_token:
            raise ValueError("set ATDESK_MASTODON_BASE and ATDESK_MASTODON_TOKEN")
        return cls(
            acct=acct,
            account_id=account_id,
            token=settings.mastodon_token,
            base_url=settings.mastodon_base,
        )
