"""Everything about one brand account on X that must survive a restart, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from atdesk.channels.base import PageCursor
from atdesk.config import Settings
from atdesk.domain.listening import Listening, listen_rule_values

DEFAULT_BASE_URL = "https://api.x.com"


@dataclass(frozen=True, slots=True)
class XAccount:
    """A brand's X account: credentials, identity and read positions.

    `user_token` is a user-context OAuth 2.0 bearer (mentions, posting, DMs); `app_token`
    an app-only bearer (filtered stream, rules, webhooks), the user token when unset.
    With `refresh_token` and `client_id` an expired user token is renewed automatically.
    `self_serve` apps may only reply to posts that mention the brand (X's reply rule).
    """

    handle: str
    user_id: str
    user_token: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)
    consumer_secret: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    base_url: str = DEFAULT_BASE_URL
    self_serve: bool = True
    mentions: PageCursor = field(default_factory=PageCursor)
    dms: PageCursor = field(default_factory=PageCursor)
    webhook_id: str | None = None
    # What the brand listens for beyond its mentions (from the brand's settings, put in by
    # the connector on every load; never stored here) and one recent-search cursor per
    # query value (ADR 88).
    listen: Listening = field(default_factory=Listening)
    searches: Mapping[str, PageCursor] = field(default_factory=dict)

    @property
    def listen_values(self) -> list[str]:
        """The X query values of the brand's listening (stream rules and recent searches)."""
        return listen_rule_values(self.listen, self.account_key)

    @property
    def account_key(self) -> str:
        """The handle, as alerts and logs name the account."""
        return self.handle.lstrip("@")

    @property
    def stream_token(self) -> str:
        """The bearer for app-only endpoints."""
        return self.app_token or self.user_token

    def with_(self, **changes: Any) -> XAccount:
        """A copy with some fields changed (the dataclass is frozen)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """Everything to store in the channel account row."""
        return {
            "handle": self.handle,
            "user_id": self.user_id,
            "user_token": self.user_token,
            "app_token": self.app_token,
            "consumer_secret": self.consumer_secret,
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
            "base_url": self.base_url,
            "self_serve": self.self_serve,
            "mentions": self.mentions.to_json(),
            "dms": self.dms.to_json(),
            "webhook_id": self.webhook_id,
            "searches": {value: c.to_json() for value, c in self.searches.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from the stored JSON."""
        return cls(
            handle=str(data["handle"]),
            user_id=str(data["user_id"]),
            user_token=str(data["user_token"]),
            app_token=data.get("app_token"),
            consumer_secret=data.get("consumer_secret"),
            refresh_token=data.get("refresh_token"),
            client_id=data.get("client_id"),
            base_url=str(data.get("base_url") or DEFAULT_BASE_URL),
            self_serve=bool(data.get("self_serve", True)),
            mentions=PageCursor.from_json(data.get("mentions")),
            dms=PageCursor.from_json(data.get("dms")),
            webhook_id=data.get("webhook_id"),
            searches={
                str(value): PageCursor.from_json(c)
                for value, c in (data.get("searches") or {}).items()
            },
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, handle: str, user_id: str) -> XAccount:
        """The account configured by ATDESK_X_API_BASE, _BEARER_TOKEN and _CONSUMER_SECRET."""
        if not settings.x_bearer_token:
            raise ValueError("set ATDESK_X_BEARER_TOKEN to connect an X account")
        return cls(
            handle=handle,
            user_id=user_id,
            user_token=settings.x_bearer_token,
            consumer_secret=settings.x_consumer_secret,
            base_url=settings.x_api_base,
        )
