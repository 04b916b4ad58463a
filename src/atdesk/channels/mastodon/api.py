"""The Mastodon REST endpoints atdesk uses, one method each, over a shared ApiSession."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from atdesk.channels.errors import MalformedResponse
from atdesk.channels.http import ApiSession
from atdesk.channels.observer import Operation
from atdesk.domain.networks import Network

NOTIFICATIONS = "GET /api/v1/notifications"
STATUS = "GET /api/v1/statuses/:id"
POST_STATUS = "POST /api/v1/statuses"
INSTANCE = "GET /api/v2/instance"
TAG_TIMELINE = "GET /api/v1/timelines/tag/:hashtag"
SEARCH = "GET /api/v2/search"

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?(\w+)"?')
_MIN_ID = re.compile(r"[?&]min_id=([^&]+)")


def link_min_id(headers: Mapping[str, str]) -> str | None:
    """The `min_id` of the `rel="prev"` Link: the newest id of the page just read."""
    for url, rel in _LINK.findall(headers.get("link", "")):
        if rel == "prev":
            match = _MIN_ID.search(url)
            if match:
                return match.group(1)
    return None


def _status_ids(body: Any) -> Sequence[str]:
    return [str((n.get("status") or {}).get("id")) for n in body if n.get("status")]


class MastodonApi:
    """Thin wrappers: the caller decides paging and what to keep."""

    def __init__(self, session: ApiSession) -> None:
        self.session = session

    def notifications(
        self, *, min_id: str | None, limit: int, types: Sequence[str]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The notifications just after `min_id` (newest first) and the page's newest id."""
        params: list[tuple[str, str | int]] = [("types[]", t) for t in types]
        params.append(("limit", limit))
        if min_id:
            params.append(("min_id", min_id))
        response = self.session.request(
            "GET",
            "/api/v1/notifications",
            endpoint=NOTIFICATIONS,
            operation=Operation.READ_NOTIFICATION,
            params=params,
            items=_status_ids,
        )
        if not isinstance(response.data, list):
            raise MalformedResponse("notifications are not a list", network=Network.MASTODON)
        return response.data, link_min_id(response.headers)

    def tag_timeline(
        self, hashtag: str, *, min_id: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Public statuses with #hashtag just after `min_id` (newest first), the newest id."""
        params: dict[str, str | int] = {"limit": limit}
        if min_id:
            params["min_id"] = min_id
        response = self.session.request(
            "GET",
            f"/api/v1/timelines/tag/{quote(hashtag, safe='')}",
            endpoint=TAG_TIMELINE,
            operation=Operation.READ_POST,
            params=params,
            items=lambda body: [str(s.get("id")) for s in body],
        )
        if not isinstance(response.data, list):
            raise MalformedResponse("a tag timeline is not a list", network=Network.MASTODON)
        return response.data, link_min_id(response.headers)

    def search_statuses(
        self, query: str, *, min_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Statuses matching a word or "phrase" just after `min_id`, newest first."""
        params: dict[str, str | int] = {"q": query, "type": "statuses", "limit": limit}
        if min_id:
            params["min_id"] = min_id
        response = self.session.request(
            "GET",
            "/api/v2/search",
            endpoint=SEARCH,
            operation=Operation.READ_POST,
            params=params,
            items=lambda body: [str(s.get("id")) for s in body.get("statuses") or []],
        )
        data = response.data
        statuses = data.get("statuses") if isinstance(data, dict) else None
        if not isinstance(statuses, list):
            raise MalformedResponse("search results have no status list", network=Network.MASTODON)
        return statuses

    def status(self, status_id: str) -> dict[str, Any]:
        """One status (to learn who to address and with which visibility)."""
        response = self.session.request(
            "GET",
            f"/api/v1/statuses/{status_id}",
            endpoint=STATUS,
            operation=Operation.READ_POST,
            items=lambda body: [str(body.get("id"))],
        )
        return dict(response.data or {})

    def post_status(
        self,
        *,
        text: str,
        visibility: str,
        in_reply_to_id: str | None,
        idempotency_key: str,
        ref: str | None,
    ) -> dict[str, Any]:
        """Publish; the Idempotency-Key makes a repeated request return the same status."""
        body: dict[str, Any] = {"status": text, "visibility": visibility}
        if in_reply_to_id:
            body["in_reply_to_id"] = in_reply_to_id
        response = self.session.request(
            "POST",
            "/api/v1/statuses",
            endpoint=POST_STATUS,
            operation=Operation.SEND_DM if visibility == "direct" else Operation.CREATE_POST,
            json=body,
            headers={"idempotency-key": idempotency_key},
            idempotent=True,
            items=lambda b: [str(b.get("id"))],
            ref=ref,
        )
        return dict(response.data or {})

    def instance(self) -> dict[str, Any]:
        """The instance's configuration (character limit, streaming host)."""
        response = self.session.request(
            "GET", "/api/v2/instance", endpoint=INSTANCE, operation=Operation.READ_USER
        )
        return dict(response.data or {})
