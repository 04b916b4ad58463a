"""The X API v2 endpoints atdesk uses, one method each, over a shared ApiSession."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from atdesk.channels.http import ApiResponse, ApiSession
from atdesk.channels.observer import Operation
from atdesk.channels.textlength import has_link

TWEET_FIELDS = (
    "attachments,author_id,conversation_id,created_at,edit_history_tweet_ids,entities,geo,"
    "in_reply_to_user_id,lang,note_tweet,referenced_tweets"
)
EXPANSIONS = "attachments.media_keys,author_id,geo.place_id"
USER_FIELDS = "name,public_metrics,username,verified"
PLACE_FIELDS = "full_name,geo"
MEDIA_FIELDS = "preview_image_url,type,url"
DM_EVENT_FIELDS = "created_at,dm_conversation_id,event_type,id,participant_ids,sender_id,text"

TWEET_PARAMS = {
    "tweet.fields": TWEET_FIELDS,
    "expansions": EXPANSIONS,
    "user.fields": USER_FIELDS,
    "place.fields": PLACE_FIELDS,
    "media.fields": MEDIA_FIELDS,
}

MENTIONS = "GET /2/users/:id/mentions"
SEARCH_RECENT = "GET /2/tweets/search/recent"
DM_EVENTS = "GET /2/dm_events"
CREATE_TWEET = "POST /2/tweets"
SEND_DM = "POST /2/dm_conversations/with/:participant_id/messages"
STREAM = "GET /2/tweets/search/stream"
RULES = "/2/tweets/search/stream/rules"
WEBHOOKS = "/2/webhooks"
OAUTH_REFRESH = "POST /2/oauth2/token"


def tweet_ids(body: Any) -> Sequence[str]:
    """Posts a read returned (data and included posts are both billed reads)."""
    data = body.get("data") or []
    if isinstance(data, dict):
        data = [data]
    included = (body.get("includes") or {}).get("tweets") or []
    return [str(t.get("id")) for t in [*data, *included]]


def dm_ids(body: Any) -> Sequence[str]:
    """DM events a read returned."""
    return [str(e.get("id")) for e in body.get("data") or []]


class XApi:
    """Thin, typed wrappers: the caller decides pagination and what to keep."""

    def __init__(self, session: ApiSession) -> None:
        self.session = session

    def mentions(
        self,
        user_id: str,
        *,
        since_id: str | None,
        pagination_token: str | None,
        max_results: int,
    ) -> dict[str, Any]:
        """One page of mentions, newest first."""
        params: dict[str, Any] = {**TWEET_PARAMS, "max_results": max_results}
        if since_id:
            params["since_id"] = since_id
        if pagination_token:
            params["pagination_token"] = pagination_token
        response = self.session.request(
            "GET",
            f"/2/users/{user_id}/mentions",
            endpoint=MENTIONS,
            operation=Operation.READ_POST,
            params=params,
            items=tweet_ids,
        )
        return _body(response)

    def search_recent(
        self,
        query: str,
        *,
        since_id: str | None,
        next_token: str | None,
        max_results: int,
    ) -> dict[str, Any]:
        """One page of the last 7 days' posts matching `query`, newest first."""
        params: dict[str, Any] = {**TWEET_PARAMS, "query": query, "max_results": max_results}
        if since_id:
            params["since_id"] = since_id
        if next_token:
            params["next_token"] = next_token
        response = self.session.request(
            "GET",
            "/2/tweets/search/recent",
            endpoint=SEARCH_RECENT,
            operation=Operation.READ_POST,
            params=params,
            items=tweet_ids,
        )
        return _body(response)

    def dm_events(self, *, pagination_token: str | None, max_results: int) -> dict[str, Any]:
        """One page of DM events of every conversation, newest first."""
        params: dict[str, Any] = {
            "dm_event.fields": DM_EVENT_FIELDS,
            "event_types": "MessageCreate",
            "expansions": "sender_id",
            "user.fields": USER_FIELDS,
            "max_results": max_results,
        }
        if pagination_token:
            params["pagination_token"] = pagination_token
        response = self.session.request(
            "GET",
            "/2/dm_events",
            endpoint=DM_EVENTS,
            operation=Operation.DM_EVENT,
            params=params,
            items=dm_ids,
        )
        return _body(response)

    def create_tweet(
        self, text: str, *, in_reply_to: str | None = None, ref: str | None = None
    ) -> dict[str, Any]:
        """Create a post (a reply when `in_reply_to` is set); never retried after sending."""
        body: dict[str, Any] = {"text": text}
        if in_reply_to:
            body["reply"] = {"in_reply_to_tweet_id": in_reply_to}
        operation = Operation.CREATE_POST_WITH_LINK if has_link(text) else Operation.CREATE_POST
        response = self.session.request(
            "POST",
            "/2/tweets",
            endpoint=CREATE_TWEET,
            operation=operation,
            json=body,
            items=lambda b: [str(b["data"]["id"])],
            ref=ref,
        )
        return _body(response)

    def send_dm(self, participant_id: str, text: str, *, ref: str | None = None) -> dict[str, Any]:
        """Send a DM in the 1:1 conversation with `participant_id`."""
        response = self.session.request(
            "POST",
            f"/2/dm_conversations/with/{participant_id}/messages",
            endpoint=SEND_DM,
            operation=Operation.SEND_DM,
            json={"text": text},
            items=lambda b: [str(b["data"]["dm_event_id"])],
            ref=ref,
        )
        return _body(response)

    def stream_rules(self, *, pagination_token: str | None = None) -> dict[str, Any]:
        """One page (up to 1000) of the app's filtered-stream rules."""
        params: dict[str, Any] = {"max_results": 1000}
        if pagination_token:
            params["pagination_token"] = pagination_token
        response = self.session.request(
            "GET", RULES, endpoint=f"GET {RULES}", operation=Operation.STREAM_RULES, params=params
        )
        return _body(response)

    def add_stream_rules(self, rules: list[dict[str, str]]) -> dict[str, Any]:
        """Add rules; X answers 200 with `errors` for duplicates, which callers inspect."""
        response = self.session.request(
            "POST",
            RULES,
            endpoint=f"POST {RULES}",
            operation=Operation.STREAM_RULES,
            json={"add": rules},
            idempotent=True,
        )
        return _body(response)

    def delete_stream_rules(self, ids: list[str]) -> dict[str, Any]:
        """Delete rules by id; ids X no longer has come back counted in `not_deleted`."""
        response = self.session.request(
            "POST",
            RULES,
            endpoint=f"POST {RULES}",
            operation=Operation.STREAM_RULES,
            json={"delete": {"ids": ids}},
            idempotent=True,
        )
        return _body(response)

    def webhooks(self) -> dict[str, Any]:
        """Registered Account Activity webhooks, each with `valid`."""
        response = self.session.request(
            "GET", WEBHOOKS, endpoint=f"GET {WEBHOOKS}", operation=Operation.WEBHOOK_ADMIN
        )
        return _body(response)

    def register_webhook(self, url: str) -> dict[str, Any]:
        """Register a webhook URL; X fires a CRC at it before answering."""
        response = self.session.request(
            "POST",
            WEBHOOKS,
            endpoint=f"POST {WEBHOOKS}",
            operation=Operation.WEBHOOK_ADMIN,
            json={"url": url},
            idempotent=True,
        )
        return _body(response)

    def revalidate_webhook(self, webhook_id: str) -> dict[str, Any]:
        """Ask X to re-run the CRC of a webhook marked invalid."""
        response = self.session.request(
            "PUT",
            f"{WEBHOOKS}/{webhook_id}",
            endpoint=f"PUT {WEBHOOKS}/:id",
            operation=Operation.WEBHOOK_ADMIN,
        )
        return _body(response)

    def subscribe(self, webhook_id: str) -> None:
        """Subscribe the authenticated user's activity to a webhook."""
        self.session.request(
            "POST",
            f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all",
            endpoint="POST /2/account_activity/webhooks/:id/subscriptions/all",
            operation=Operation.WEBHOOK_ADMIN,
            idempotent=True,
        )


def refresh_user_token(
    session: ApiSession, *, refresh_token: str, client_id: str
) -> dict[str, Any]:
    """OAuth 2.0 refresh: a new access token (and refresh token) for a public client."""
    response = session.request(
        "POST",
        "/2/oauth2/token",
        endpoint=OAUTH_REFRESH,
        operation=Operation.AUTH,
        idempotent=False,
        form={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
    )
    return _body(response)


def _body(response: ApiResponse) -> dict[str, Any]:
    data = response.data
    return data if isinstance(data, dict) else {}
