"""Links that move a public conversation into a private one."""

from __future__ import annotations

from urllib.parse import urlencode

DM_COMPOSE = "https://x.com/messages/compose"


def dm_deep_link(recipient_id: str, text: str | None = None) -> str:
    """`https://x.com/messages/compose?recipient_id=…&text=…`, opening a DM to the brand."""
    if not recipient_id.isdigit():
        raise ValueError(f"recipient_id must be a numeric X user id, got {recipient_id!r}")
    query = {"recipient_id": recipient_id}
    if text:
        query["text"] = text
    return f"{DM_COMPOSE}?{urlencode(query)}"
