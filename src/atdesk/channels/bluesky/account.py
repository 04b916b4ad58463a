"""Everything about one brand account on Bluesky that must survive a restart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from atdesk.channels.base import PageCursor
from atdesk.config import Settings
from atdesk.domain.listening import Listening

DEFAULT_PDS = "https://bsky.social"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"


@dataclass(frozen=True, slots=True)
class BlueskyAccount:
    """A brand's Bluesky account: app password, current session, and read positions.

    `notifications` pages newest-first (`high_water` is the newest `indexedAt` stored);
    `chat_cursor` is the position in the chat event log, which reads forward.
    """

    handle: str
    app_password: str = field(repr=False)
    base_url: str = DEFAULT_PDS
    did: str | None = None
    access_jwt: str | None = field(default=None, repr=False)
    refresh_jwt: str | None = field(default=None, repr=False)
    notifications: PageCursor = field(default_factory=PageCursor)
    chat_cursor: str | None = None
    chat_proxy: str = CHAT_PROXY
    # The brand's listening (put in by the connector on every load, never stored) and one
    # searchPosts cursor per query (`high_water` = newest indexedAt stored; ADR 88).
    listen: Listening = field(default_factory=Listening)
    searches: Mapping[str, PageCursor] = field(default_factory=dict)

    @property
    def listen_queries(self) -> list[tuple[str, str | None]]:
        """(q, mentions) for searchPosts: each tracked term as written, and each executive
        that is a Bluesky handle (posts mentioning it, `mentions=`)."""
        queries: list[tuple[str, str | None]] = [(t.written, None) for t in self.listen.terms]
        queries += [(f"@{h}", h) for h in self.listen.executives if "." in h and "@" not in h]
        return queries

    @property
    def account_key(self) -> str:
        """The handle, as alerts and logs name the account."""
        return self.handle.lstrip("@")

    def with_(self, **changes: Any) -> BlueskyAccount:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """Everything to store in the channel account row."""
        return {
            "handle": self.handle,
            "app_password": self.app_password,
            "base_url": self.base_url,
            "did": self.did,
            "access_jwt": self.access_jwt,
            "refresh_jwt": self.refresh_jwt,
            "notifications": self.notifications.to_json(),
            "chat_cursor": self.chat_cursor,
            "chat_proxy": self.chat_proxy,
            "searches": {q: c.to_json() for q, c in self.searches.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from the stored JSON."""
        return cls(
            handle=str(data["handle"]),
            app_password=str(data["app_password"]),
            base_url=str(data.get("base_url") or DEFAULT_PDS),
            did=data.get("did"),
            access_jwt=data.get("access_jwt"),
            refresh_jwt=data.get("refresh_jwt"),
            notifications=PageCursor.from_json(data.get("notifications")),
            chat_cursor=data.get("chat_cursor"),
            chat_proxy=str(data.get("chat_proxy") or CHAT_PROXY),
            searches={
                str(q): PageCursor.from_json(c) for q, c in (data.get("searches") or {}).items()
            },
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> BlueskyAccount:
        """The account configured by ATDESK_BLUESKY_BASE, _HANDLE and _APP_PASSWORD."""
        if not settings.bluesky_handle or not settings.bluesky_app_password:
            raise ValueError("set ATDESK_BLUESKY_HANDLE and ATDESK_BLUESKY_APP_PASSWORD")
        return cls(
            handle=settings.bluesky_handle,
            app_password=settings.bluesky_app_password,
            base_url=settings.bluesky_base or DEFAULT_PDS,
        )
