"""The XRPC methods atdesk uses, one method each, over a shared ApiSession."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from atdesk.channels.errors import MalformedResponse, json_kind
from atdesk.channels.http import ApiSession
from atdesk.channels.observer import Operation
from atdesk.domain.networks import Network

X = "/xrpc/"


def _uris(body: Any) -> Sequence[str]:
    return [str(n.get("uri")) for n in body.get("notifications") or ()]


class BlueskyApi:
    """Thin wrappers around XRPC queries and procedures."""

    def __init__(self, session: ApiSession, *, chat_proxy: str) -> None:
        self.session = session
        self.chat_proxy = chat_proxy

    def _query(
        self, nsid: str, params: Any, operation: Operation, *, chat: bool = False, **extra: Any
    ) -> dict[str, Any]:
        headers = {"atproto-proxy": self.chat_proxy} if chat else None
        response = self.session.request(
            "GET",
            X + nsid,
            endpoint=nsid,
            operation=operation,
            params=params,
            headers=headers,
            **extra,
        )
        if response.data is not None and not isinstance(response.data, dict):
            problem = f"{nsid} answered {json_kind(response.data)}, not an object"
            raise MalformedResponse(problem, network=Network.BLUESKY)
        return dict(response.data or {})

    def _procedure(
        self, nsid: str, body: Any, operation: Operation, *, chat: bool = False, **extra: Any
    ) -> dict[str, Any]:
        headers = {"atproto-proxy": self.chat_proxy} if chat else None
        response = self.session.request(
            "POST",
            X + nsid,
            endpoint=nsid,
            operation=operation,
            json=body,
            headers=headers,
            **extra,
        )
        return dict(response.data or {})

    def create_session(self, identifier: str, password: str) -> dict[str, Any]:
        """Log in with an app password."""
        return self._procedure(
            "com.atproto.server.createSession",
            {"identifier": identifier, "password": password},
            Operation.AUTH,
            idempotent=True,
        )

    def refresh_session(self, refresh_jwt: str) -> dict[str, Any]:
        """New tokens for the refresh JWT (sent as the bearer)."""
        response = self.session.request(
            "POST",
            X + "com.atproto.server.refreshSession",
            endpoint="com.atproto.server.refreshSession",
            operation=Operation.AUTH,
            headers={"authorization": f"Bearer {refresh_jwt}"},
            idempotent=False,
        )
        return dict(response.data or {})

    def list_notifications(
        self, *, cursor: str | None, limit: int, reasons: Sequence[str]
    ) -> dict[str, Any]:
        """One page of notifications, newest first (`reasons` repeats the key)."""
        params: list[tuple[str, str | int]] = [("reasons", r) for r in reasons]
        params.append(("limit", limit))
        if cursor:
            params.append(("cursor", cursor))
        return self._query(
            "app.bsky.notification.listNotifications",
            params,
            Operation.READ_NOTIFICATION,
            items=_uris,
        )

    def search_posts(
        self,
        query: str,
        *,
        mentions: str | None,
        since: str | None,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        """One page of posts matching `query`, latest first (`since` is inclusive)."""
        params: list[tuple[str, str | int]] = [("q", query), ("sort", "latest"), ("limit", limit)]
        if mentions:
            params.append(("mentions", mentions))
        if since:
            params.append(("since", since))
        if cursor:
            params.append(("cursor", cursor))
        return self._query(
            "app.bsky.feed.searchPosts",
            params,
            Operation.READ_POST,
            items=lambda body: [str(p.get("uri")) for p in body.get("posts") or ()],
        )

    def get_posts(self, uris: Sequence[str]) -> list[dict[str, Any]]:
        """Post views (with cid and record) for up to 25 at-uris."""
        body = self._query(
            "app.bsky.feed.getPosts",
            [("uris", u) for u in uris],
            Operation.READ_POST,
            items=lambda b: [str(p.get("uri")) for p in b.get("posts") or ()],
        )
        return list(body.get("posts") or ())

    def resolve_handle(self, handle: str) -> str:
        """The DID of a handle."""
        return str(
            self._query(
                "com.atproto.identity.resolveHandle", {"handle": handle}, Operation.READ_USER
            )["did"]
        )

    def create_record(
        self, repo: str, collection: str, record: dict[str, Any], ref: str | None
    ) -> dict[str, Any]:
        """Write a record to the brand's repository (a post, a reply)."""
        return self._procedure(
            "com.atproto.repo.createRecord",
            {"repo": repo, "collection": collection, "record": record},
            Operation.CREATE_POST,
            items=lambda b: [str(b.get("uri"))],
            ref=ref,
        )

    def convo_for(self, members: Sequence[str]) -> dict[str, Any]:
        """The 1:1 conversation with these DIDs (created on first use)."""
        body = self._query(
            "chat.bsky.convo.getConvoForMembers",
            [("members", m) for m in members],
            Operation.READ_USER,
            chat=True,
        )
        return dict(body.get("convo") or {})

    def send_message(
        self, convo_id: str, message: dict[str, Any], ref: str | None
    ) -> dict[str, Any]:
        """Send a chat message; never repeated blindly."""
        return self._procedure(
            "chat.bsky.convo.sendMessage",
            {"convoId": convo_id, "message": message},
            Operation.SEND_DM,
            chat=True,
            items=lambda b: [str(b.get("id"))],
            ref=ref,
        )

    def chat_log(self, cursor: str | None) -> dict[str, Any]:
        """Chat events after `cursor`, oldest first."""
        params = {"cursor": cursor} if cursor else {}
        return self._query(
            "chat.bsky.convo.getLog",
            params,
            Operation.DM_EVENT,
            chat=True,
            items=lambda b: [
                str((entry.get("message") or {}).get("id"))
                for entry in b.get("logs") or ()
                if str(entry.get("$type", "")).endswith("#logCreateMessage")
            ],
        )
