"""Public web addresses of stored posts, so an agent or a customer can open the post itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

X_WEB = "https://x.com"
BLUESKY_WEB = "https://bsky.app"
_BLUESKY_POST = "app.bsky.feed.post"


def post_url(
    network: str, native_id: str, handle: str, raw: Mapping[str, Any] | None = None
) -> str | None:
    """The post's public address on its network, or None when it cannot be known (a DM, a
    Mastodon handle without its instance)."""
    if network == "x":
        if not native_id.isdigit():
            return None
        who = quote(handle.lstrip("@")) if handle and not handle.isdigit() else "i/web"
        return f"{X_WEB}/{who}/status/{native_id}"
    if network == "bluesky":
        parts = native_id.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[1] != _BLUESKY_POST:
            return None
        who = handle.lstrip("@") or parts[0]
        return f"{BLUESKY_WEB}/profile/{quote(who, safe=':')}/post/{quote(parts[2])}"
    if network == "mastodon":
        status = (raw or {}).get("status")
        url = status.get("url") if isinstance(status, Mapping) else None
        if isinstance(url, str) and url.startswith("https://"):
            return url
        user, _, instance = handle.lstrip("@").partition("@")
        if not user or not instance or not native_id.isdigit():
            return None
        return f"https://{instance}/@{quote(user)}/{native_id}"
    return None
