"""An X API v2 emulator: mentions, DMs, posting, filtered stream, Account Activity webhooks.

State lives in memory: users, posts, DMs, stream rules, webhooks. Tests and the demo inject
customer traffic through the Python API (`post`, `dm`, `edit`, `delete`, `retweet`, `like`)
or the control API, and the brand's replies and DMs come back the way X sends them: in
mentions when a customer answers, in `/2/dm_events`, on the stream and to the webhook.
Requests and responses are checked against X's OpenAPI document when it is available.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.textlength import x_text_length
from atdesk.channels.timeparse import iso_millis
from atdesk.channels.x.normalize import aa_dm_conversation_id
from atdesk.emulators.base import Emulator, RouteHandler
from atdesk.emulators.faults import STREAM_FAULTS, Fault, FaultKind
from atdesk.emulators.schemas import OpenApiValidator, x_openapi
from atdesk.emulators.server import Request, Response, StreamWriter, json_response
from atdesk.emulators.x_render import (
    b36,
    entities,
    interested,
    public,
    render_tweets,
    render_user,
    replying_allowed,
    rule_matches,
    v1_dm,
    v1_time,
    v1_tweet,
    v1_user,
)
from atdesk.emulators.x_webhooks import Deliverer, Delivery, Webhook, crc_ok

log = logging.getLogger(__name__)

PROBLEM = "https://api.twitter.com/2/problems/"
STREAM_PATH = "/2/tweets/search/stream"
WEBHOOK_DELIVERY = "/_webhook"
REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
ALL_SCOPES = frozenset({"tweet.read", "tweet.write", "users.read", "dm.read", "dm.write"})
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    "GET /2/users/:id/mentions": (450, 900.0),
    "GET /2/dm_events": (300, 900.0),
    "POST /2/tweets": (200, 900.0),
    "POST /2/dm_conversations/with/:id/messages": (200, 900.0),
}


@dataclass(slots=True)
class _Account:
    """A user whose tokens the emulator accepts."""

    user_id: str
    refresh_token: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = ALL_SCOPES


class XEmulator(Emulator):
    """Speaks X API v2 (classic field names) on a loopback socket."""

    name = "x"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        validate: bool = True,
        consumer_secret: str = "emulator-consumer-secret",  # noqa: S107 (fake network)
        keepalive_interval: float = 20.0,
        self_serve: bool = True,
    ) -> None:
        super().__init__(host=host, port=port, validate=validate)
        self.consumer_secret = consumer_secret
        self.keepalive_interval = keepalive_interval
        self.self_serve = self_serve
        self.spec: OpenApiValidator | None = x_openapi() if validate else None
        self.users: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.dm_events: list[dict[str, Any]] = []
        self.rules: dict[str, dict[str, str]] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.limits = dict(DEFAULT_LIMITS)
        self._tokens: dict[str, _Account] = {}
        self._app_tokens: set[str] = set()
        self._expired: set[str] = set()
        self._revoked: set[str] = set()
        self._windows: dict[tuple[str, str], list[float]] = {}
        self._next_id = 1899000000000000000
        self._next_user = 1200000000
        self._streams: list[tuple[queue.Queue[str | None], dict[str, list[str]]]] = []
        self.deliverer = Deliverer(consumer_secret)
        self._register_routes()

    # --- routes ----------------------------------------------------------------------------

    def _register_routes(self) -> None:
        self.api("GET", "/2/users/{user_id}/mentions", self._mentions)
        self.api("GET", "/2/dm_events", self._list_dm_events)
        self.api("POST", "/2/tweets", self._create_tweet)
        self.api("POST", "/2/dm_conversations/with/{participant_id}/messages", self._send_dm)
        self.api("GET", "/2/tweets/search/stream/rules", self._get_rules)
        self.api("POST", "/2/tweets/search/stream/rules", self._change_rules)
        self.api("GET", STREAM_PATH, self._stream)
        self.api("GET", "/2/webhooks", self._list_webhooks)
        self.api("POST", "/2/webhooks", self._create_webhook)
        self.api("PUT", "/2/webhooks/{webhook_id}", self._revalidate_webhook)
        self.api("DELETE", "/2/webhooks/{webhook_id}", self._delete_webhook)
        self.api(
            "POST",
            "/2/account_activity/webhooks/{webhook_id}/subscriptions/all",
            self._subscribe,
        )
        self.api("POST", "/2/oauth2/token", self._token)
        self.control("POST", "/_emulator/accounts", self._control_account)
        self.control("POST", "/_emulator/posts", self._control_post)
        self.control("POST", "/_emulator/dms", self._control_dm)
        self.control("POST", "/_emulator/posts/{tweet_id}/edit", self._control_edit)
        self.control("DELETE", "/_emulator/posts/{tweet_id}", self._control_delete)
        self.control("GET", "/_emulator/outbox", self._control_outbox)
        self.control(
            "POST", "/_emulator/webhooks/{webhook_id}/invalidate", self._control_invalidate
        )

    def api(self, method: str, pattern: str, handler: RouteHandler) -> None:
        """A route whose request and response are checked against the OpenAPI document."""

        def checked(request: Request, **segments: str) -> Response:
            if self.spec is not None and request.path != "/2/oauth2/token":
                body = request.json() if request.body else None
                problems = self.spec.check_request(
                    request.method, request.path, request.query, body
                )
                if problems:
                    self.note_invalid(
                        [f"request {request.method} {request.path}: {p}" for p in problems]
                    )
                    return self._problem(
                        400, "Invalid Request", "; ".join(problems), "invalid-request"
                    )
            response = handler(request, **segments)
            if self.spec is not None and response.stream is None and response.body:
                try:
                    data = json.loads(response.body)
                except ValueError:
                    data = None
                self.note_invalid(
                    self.spec.check_response(request.method, request.path, response.status, data)
                )
            return response

        self.route(method, pattern, checked)

    # --- errors in X's style -----------------------------------------------------------------

    def _problem(
        self,
        status: int,
        title: str,
        detail: str,
        kind: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        body = {
            "title": title,
            "detail": detail,
            "type": f"{PROBLEM}{kind}" if kind else "about:blank",
            "status": status,
            **extra,
        }
        return json_response(body, status, headers)

    def error(self, status: int, message: str) -> Response:
        """X answers errors as RFC 7807 problems."""
        titles = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
        kind = {400: "invalid-request", 404: "resource-not-found"}.get(status)
        return self._problem(status, titles.get(status, "Error"), message, kind)

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """429 with `x-rate-limit-*` (epoch seconds), 5xx problems, 401 for bad tokens."""
        if fault.kind is FaultKind.RATE_LIMIT:
            headers = {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(fault.reset_at or time.time())),
            }
            return self._problem(429, "Too Many Requests", "Too Many Requests", None, headers)
        if fault.kind is FaultKind.SERVER_ERROR:
            title = "Service Unavailable" if fault.status == 503 else "Internal Server Error"
            return self._problem(fault.status, title, "injected server error")
        return self._problem(401, "Unauthorized", "Unauthorized")

    # --- accounts and tokens -------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        name: str = "",
        followers: int = 0,
        verified: bool = False,
        user_id: str | None = None,
    ) -> str:
        """Create (or return) a user by handle."""
        with self.lock:
            existing = self.find_user(username)
            if existing:
                return existing
            if user_id is None:
                self._next_user += 1
                user_id = str(self._next_user)
            self.users[user_id] = {
                "id": user_id,
                "username": username,
                "name": name or username,
                "verified": verified,
                "public_metrics": {
                    "followers_count": followers,
                    "following_count": 0,
                    "tweet_count": 0,
                    "listed_count": 0,
                },
            }
            return user_id

    def find_user(self, username: str) -> str | None:
        """The id of a handle, if known."""
        handle = username.lstrip("@").lower()
        with self.lock:
            for user_id, user in self.users.items():
                if user["username"].lower() == handle:
                    return user_id
        return None

    def add_account(
        self,
        username: str,
        *,
        user_token: str,
        app_token: str | None = None,
        refresh_token: str | None = None,
        client_id: str | None = None,
        user_id: str | None = None,
        name: str = "",
        scopes: frozenset[str] = ALL_SCOPES,
    ) -> str:
        """A user whose tokens are accepted (the brand, or any account an app acts for)."""
        user_id = self.add_user(username, name=name, user_id=user_id)
        with self.lock:
            self._tokens[user_token] = _Account(user_id, refresh_token, client_id, scopes)
            if app_token:
                self._app_tokens.add(app_token)
        return user_id

    def expire_token(self, token: str) -> None:
        """The token times out (401 until refreshed)."""
        with self.lock:
            self._expired.add(token)

    def revoke_token(self, token: str) -> None:
        """The user revoked the app (401 for good; refresh fails too)."""
        with self.lock:
            self._revoked.add(token)
            account = self._tokens.get(token)
            if account is not None:
                account.refresh_token = None

    def _user_of(self, request: Request) -> str | Response:
        """The user a user-context token acts for, or the 401 answer."""
        token = request.bearer()
        with self.lock:
            account = self._tokens.get(token or "")
            if account is None or token in self._expired or token in self._revoked:
                return self._problem(401, "Unauthorized", "Unauthorized")
            return account.user_id

    def _app_or_user(self, request: Request) -> Response | None:
        token = request.bearer() or ""
        with self.lock:
            if token in self._app_tokens and token not in self._revoked:
                return None
        found = self._user_of(request)
        return found if isinstance(found, Response) else None

    # --- rate limits --------------------------------------------------------------------------

    def set_rate_limit(self, endpoint: str, limit: int, window: float) -> None:
        """Change one endpoint's window, e.g. ("GET /2/users/:id/mentions", 2, 2.0)."""
        with self.lock:
            self.limits[endpoint] = (limit, window)
            for key in [k for k in self._windows if k[1] == endpoint]:
                del self._windows[key]

    def _spend(self, request: Request, endpoint: str) -> tuple[dict[str, str], Response | None]:
        """Count one call; the headers to send, or the 429 when the window is used up."""
        limit, window = self.limits.get(endpoint, (10_000, 900.0))
        key = (request.bearer() or "", endpoint)
        now = time.time()
        with self.lock:
            used, reset = self._windows.get(key, [0.0, float(int(now + window) + 1)])
            if now >= reset:
                used, reset = 0.0, float(int(now + window) + 1)
            used += 1
            self._windows[key] = [used, reset]
        remaining = max(0, limit - int(used))
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(reset)),
        }
        if used > limit:
            return headers, self._problem(
                429, "Too Many Requests", "Too Many Requests", None, headers
            )
        return headers, None

    # --- posts ------------------------------------------------------------------------------

    def _new_id(self) -> str:
        with self.lock:
            self._next_id += 1000 + secrets.randbelow(1000)
            return str(self._next_id)

    def post(
        self,
        author: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_of: str | None = None,
        geo: tuple[float, float] | None = None,
        lang: str = "en",
        media: Iterable[str] = (),
        _retweet_of: str | None = None,
        _edit_of: str | None = None,
    ) -> str:
        """A post by `author` (created on first use); mentions are resolved to users.

        A reply starts with the @handle of the author it answers, as X's reply metadata does.
        """
        author_id = self.add_user(author)
        if in_reply_to and in_reply_to in self.tweets:
            parent_id = self.tweets[in_reply_to]["author_id"]
            handle = self.users[parent_id]["username"]
            if parent_id != author_id and f"@{handle}".lower() not in text.lower():
                text = f"@{handle} {text}"
        tweet_id = self._new_id()
        now = datetime.now(UTC).replace(microsecond=0)  # X keeps whole seconds
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "created_at": iso_millis(now),
            "conversation_id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "lang": lang,
            "entities": entities(text, self.find_user),
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            },
        }
        refs = []
        with self.lock:
            if in_reply_to:
                parent = self.tweets[in_reply_to]
                tweet["conversation_id"] = parent["conversation_id"]
                tweet["in_reply_to_user_id"] = parent["author_id"]
                refs.append({"type": "replied_to", "id": in_reply_to})
            if quote_of:
                refs.append({"type": "quoted", "id": quote_of})
            if _retweet_of:
                original = self.tweets[_retweet_of]
                refs.append({"type": "retweeted", "id": _retweet_of})
                tweet["entities"] = json.loads(json.dumps(original.get("entities", {})))
            if _edit_of:
                first = self.tweets[_edit_of]
                history = [*first["edit_history_tweet_ids"], tweet_id]
                for old_id in history[:-1]:
                    self.tweets[old_id]["_superseded"] = True
                tweet["edit_history_tweet_ids"] = history
                tweet["conversation_id"] = first["conversation_id"]
                for key in ("in_reply_to_user_id",):
                    if key in first:
                        tweet[key] = first[key]
                refs = list(first.get("referenced_tweets", []))
            if refs:
                tweet["referenced_tweets"] = refs
            if geo is not None:
                lat, lon = geo
                tweet["geo"] = {
                    "place_id": "0a1b2c3d4e5f6071",
                    "coordinates": {"type": "Point", "coordinates": [lon, lat]},
                }
            media_urls = list(media)
            if media_urls:
                keys = [f"3_{tweet_id}{i}" for i in range(len(media_urls))]
                tweet["attachments"] = {"media_keys": keys}
                tweet["_media"] = [
                    {"media_key": k, "type": "photo", "url": u}
                    for k, u in zip(keys, media_urls, strict=True)
                ]
            self.tweets[tweet_id] = tweet
        self._fan_out_tweet(tweet)
        return tweet_id

    def retweet(self, author: str, tweet_id: str) -> str:
        """A retweet (noise for care: stored flagged, never a case)."""
        original = self.tweets[tweet_id]
        by = self.users[original["author_id"]]["username"]
        return self.post(author, f"RT @{by}: {original['text']}", _retweet_of=tweet_id)

    def edit(self, tweet_id: str, text: str) -> str:
        """Edit a post: X creates a new id and lists both in `edit_history_tweet_ids`."""
        first = self.tweets[tweet_id]
        author = self.users[first["author_id"]]["username"]
        return self.post(author, text, _edit_of=tweet_id)

    def delete(self, tweet_id: str) -> None:
        """Delete a post; webhooks get `tweet_delete_events`."""
        with self.lock:
            tweet = self.tweets[tweet_id]
            tweet["_deleted"] = True
        event = {
            "status": {"id": tweet_id, "user_id": tweet["author_id"]},
            "timestamp_ms": str(int(time.time() * 1000)),
        }
        for user_id in interested(tweet):
            self._deliver(user_id, {"tweet_delete_events": [event]})

    def like(self, author: str, tweet_id: str) -> None:
        """A like: a favorite event to the post author's webhook (noise for care)."""
        liker = self.add_user(author)
        tweet = self.tweets[tweet_id]
        event = {
            "id": secrets.token_hex(16),
            "created_at": v1_time(datetime.now(UTC)),
            "timestamp_ms": int(time.time() * 1000),
            "favorited_status": v1_tweet(tweet, self.tweets, self.users),
            "user": v1_user(self.users[liker]),
        }
        self._deliver(tweet["author_id"], {"favorite_events": [event]})

    def follow(self, source: str, target: str) -> None:
        """A follow: a follow event to the target's webhook (noise for care)."""
        source_id, target_id = self.add_user(source), self.add_user(target)
        event = {
            "type": "follow",
            "created_timestamp": str(int(time.time() * 1000)),
            "source": v1_user(self.users[source_id]),
            "target": v1_user(self.users[target_id]),
        }
        self._deliver(target_id, {"follow_events": [event]})

    def dm(self, sender: str, recipient: str, text: str) -> str:
        """A direct message from `sender` to `recipient`."""
        sender_id, recipient_id = self.add_user(sender), self.add_user(recipient)
        return self._create_dm(sender_id, recipient_id, text)

    def _create_dm(self, sender_id: str, recipient_id: str, text: str) -> str:
        event_id = self._new_id()
        now = datetime.now(UTC).replace(microsecond=0)
        event = {
            "id": event_id,
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": aa_dm_conversation_id(sender_id, recipient_id),
            "created_at": iso_millis(now),
            "_participants": [sender_id, recipient_id],
        }
        with self.lock:
            self.dm_events.append(event)
        v1 = v1_dm(event, recipient_id)
        users = {uid: v1_user(self.users[uid]) for uid in (sender_id, recipient_id)}
        for user_id in (sender_id, recipient_id):
            self._deliver(user_id, {"direct_message_events": [v1], "users": users})
        return event_id

    def posts_by(self, username: str) -> list[dict[str, Any]]:
        """Everything a user posted (the brand's outbox)."""
        user_id = self.find_user(username)
        with self.lock:
            return [public(t) for t in self.tweets.values() if t["author_id"] == user_id]

    def dms_by(self, username: str) -> list[dict[str, Any]]:
        """Every DM a user sent."""
        user_id = self.find_user(username)
        with self.lock:
            return [public(e) for e in self.dm_events if e["sender_id"] == user_id]

    # --- rendering ---------------------------------------------------------------------------

    # --- fan-out: stream and webhooks ------------------------------------------------------------

    def _fan_out_tweet(self, tweet: dict[str, Any]) -> None:
        matched = self._matching_rules(tweet)
        if matched:
            copies = 2 if self.faults.take("GET", STREAM_PATH, {FaultKind.DUPLICATE}) else 1
            with self.lock:
                streams = list(self._streams)
            for inbox, _ in streams:
                for _ in range(copies):
                    inbox.put(json.dumps({"id": tweet["id"], "rules": matched}))
        v1 = v1_tweet(tweet, self.tweets, self.users)
        for user_id in interested(tweet):
            event = dict(v1)
            body: dict[str, Any] = {"tweet_create_events": [event]}
            if user_id != tweet["author_id"]:
                body["user_has_blocked"] = "false"
            self._deliver(user_id, body)

    def _matching_rules(self, tweet: Mapping[str, Any]) -> list[dict[str, str]]:
        with self.lock:
            rules = list(self.rules.values())
        return [
            {"id": r["id"], "tag": r.get("tag", "")}
            for r in rules
            if rule_matches(r["value"], tweet, self.users)
        ]

    def _deliver(self, user_id: str, payload: dict[str, Any]) -> None:
        with self.lock:
            hooks = [h for h in self.webhooks.values() if h.valid and user_id in h.subscribers]
        if not hooks:
            return
        body = json.dumps({"for_user_id": user_id, **payload}).encode("utf-8")
        copies = 2 if self.faults.take("POST", WEBHOOK_DELIVERY, {FaultKind.DUPLICATE}) else 1
        for hook in hooks:
            for _ in range(copies):
                self.deliverer.send(hook.url, body)

    # --- API handlers ----------------------------------------------------------------------

    @staticmethod
    def _page_token(request: Request) -> int | None:
        """The id a pagination token points below (0 = first page); None when it is bad."""
        token = request.arg("pagination_token")
        if not token:
            return 0
        try:
            return int(token, 36)
        except ValueError:
            return None

    def _bad_token(self, request: Request) -> Response:
        token = request.arg("pagination_token")
        return self._problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "invalid-request",
            errors=[
                {
                    "parameters": {"pagination_token": [token]},
                    "message": f"The `pagination_token` value [{token}] is not valid",
                }
            ],
        )

    def _mentions(self, request: Request, user_id: str) -> Response:
        caller = self._user_of(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request, "GET /2/users/:id/mentions")
        if limited:
            return limited
        if user_id not in self.users:
            return self.error(404, f"Could not find user with id: [{user_id}].")
        since = int(request.arg("since_id") or 0)
        until = int(request.arg("until_id") or 0)
        size = int(request.arg("max_results") or 10)
        before = self._page_token(request)
        if before is None:
            return self._bad_token(request)
        with self.lock:
            found = sorted(
                (
                    t
                    for t in self.tweets.values()
                    if not t.get("_deleted")
                    and not t.get("_superseded")
                    and user_id in {m.get("id") for m in t.get("entities", {}).get("mentions", [])}
                    and int(t["id"]) > since
                    and (not until or int(t["id"]) < until)
                    and (not before or int(t["id"]) < before)
                ),
                key=lambda t: int(t["id"]),
                reverse=True,
            )
            page, rest = found[:size], found[size:]
            data, includes = render_tweets(page, self.users, request.query)
        if not page:
            return json_response({"meta": {"result_count": 0}}, headers=headers)
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if rest:
            meta["next_token"] = b36(int(page[-1]["id"]))
        body: dict[str, Any] = {"data": data, "meta": meta}
        if includes:
            body["includes"] = includes
        return json_response(body, headers=headers)

    def _missing_scope(self, request: Request, scope: str) -> Response | None:
        account = self._tokens.get(request.bearer() or "")
        if account is None or scope in account.scopes:
            return None
        return self._problem(403, "Forbidden", f"This token lacks the {scope} scope.")

    def _list_dm_events(self, request: Request) -> Response:
        caller = self._user_of(request)
        if isinstance(caller, Response):
            return caller
        denied = self._missing_scope(request, "dm.read")
        if denied:
            return denied
        headers, limited = self._spend(request, "GET /2/dm_events")
        if limited:
            return limited
        size = int(request.arg("max_results") or 100)
        before = self._page_token(request)
        if before is None:
            return self._bad_token(request)
        fields = set((request.arg("dm_event.fields") or "").split(","))
        with self.lock:
            found = sorted(
                (
                    e
                    for e in self.dm_events
                    if caller in e["_participants"] and (not before or int(e["id"]) < before)
                ),
                key=lambda e: int(e["id"]),
                reverse=True,
            )
            page, rest = found[:size], found[size:]
            data = [
                {k: v for k, v in e.items() if k in {"id", "event_type", "text"} or k in fields}
                for e in page
            ]
            senders = {e["sender_id"] for e in page}
            users = [
                render_user(self.users[s], set((request.arg("user.fields") or "").split(",")))
                for s in senders
            ]
        meta: dict[str, Any] = {"result_count": len(page)}
        if rest:
            meta["next_token"] = b36(int(page[-1]["id"]))
        body: dict[str, Any] = {"meta": meta}
        if data:
            body["data"] = data
        if users and "sender_id" in (request.arg("expansions") or ""):
            body["includes"] = {"users": users}
        return json_response(body, headers=headers)

    def _create_tweet(self, request: Request) -> Response:
        caller = self._user_of(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request, "POST /2/tweets")
        if limited:
            return limited
        body = request.json() or {}
        text = str(body.get("text") or "")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        author = self.users[caller]["username"]
        with self.lock:
            target = self.tweets.get(reply_to) if reply_to else None
            duplicate = any(
                t["author_id"] == caller and t["text"] == text and not t.get("_deleted")
                for t in self.tweets.values()
            )
        if reply_to and (target is None or target.get("_deleted")):
            return self._problem(
                400,
                "Invalid Request",
                "The post you are replying to does not exist.",
                "invalid-request",
                errors=[{"message": f"Post {reply_to} not found"}],
            )
        if (
            target is not None
            and self.self_serve
            and not replying_allowed(caller, target, self.tweets)
        ):
            return self._problem(403, "Forbidden", REPLY_NOT_ALLOWED, None, headers)
        measured = x_text_length(text)
        if not measured.valid:
            return self._problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "invalid-request",
                errors=[{"message": f"Post text is too long ({measured.length} > 280)."}],
            )
        if duplicate:
            return self._problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        tweet_id = self.post(author, text, in_reply_to=reply_to)
        text = self.tweets[tweet_id]["text"]
        created = {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}
        return json_response({"data": created}, 201, headers)

    def _send_dm(self, request: Request, participant_id: str) -> Response:
        caller = self._user_of(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request, "POST /2/dm_conversations/with/:id/messages")
        if limited:
            return limited
        if participant_id not in self.users:
            return self.error(404, f"Could not find user with id: [{participant_id}].")
        text = str((request.json() or {}).get("text") or "")
        event_id = self._create_dm(caller, participant_id, text)
        conversation = aa_dm_conversation_id(caller, participant_id)
        return json_response(
            {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}}, 201, headers
        )

    def _get_rules(self, request: Request) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        with self.lock:
            rules = list(self.rules.values())
        meta = {"sent": iso_millis(datetime.now(UTC)), "result_count": len(rules)}
        body: dict[str, Any] = {"meta": meta}
        if rules:
            body["data"] = rules
        return json_response(body)

    def _change_rules(self, request: Request) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        body = request.json() or {}
        sent = iso_millis(datetime.now(UTC))
        if "delete" in body:
            ids = [str(i) for i in body["delete"].get("ids", [])]
            with self.lock:
                deleted = sum(1 for i in ids if self.rules.pop(i, None) is not None)
            summary = {"deleted": deleted, "not_deleted": len(ids) - deleted}
            return json_response({"meta": {"sent": sent, "summary": summary}})
        created, errors = [], []
        for rule in body.get("add", []):
            with self.lock:
                if any(r["value"] == rule["value"] for r in self.rules.values()):
                    errors.append(
                        {
                            "value": rule["value"],
                            "title": "DuplicateRule",
                            "type": f"{PROBLEM}duplicate-rules",
                            "detail": "duplicate rule",
                        }
                    )
                    continue
                rule_id = self._new_id()
                stored = {"id": rule_id, "value": rule["value"]}
                if rule.get("tag"):
                    stored["tag"] = rule["tag"]
                self.rules[rule_id] = stored
            created.append(stored)
        summary = {
            "created": len(created),
            "not_created": len(errors),
            "valid": len(created),
            "invalid": len(errors),
        }
        out: dict[str, Any] = {"meta": {"sent": sent, "summary": summary}}
        if created:
            out["data"] = created
        if errors:
            out["errors"] = errors
        return json_response(out)

    def _stream(self, request: Request) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        with self.lock:
            if self._streams:
                return self._problem(
                    429,
                    "ConnectionException",
                    "This stream is currently at the maximum allowed connection limit.",
                    "streaming-connection",
                    connection_issue="TooManyConnections",
                )
            inbox: queue.Queue[str | None] = queue.Queue()
            self._streams.append((inbox, request.query))

        def run(writer: StreamWriter) -> None:
            try:
                self._stream_loop(writer, inbox, request)
            finally:
                with self.lock:
                    self._streams = [s for s in self._streams if s[0] is not inbox]

        return Response(200, headers={"content-type": "application/json"}, stream=run)

    def _stream_loop(
        self, writer: StreamWriter, inbox: queue.Queue[str | None], request: Request
    ) -> None:
        while not writer.stopping.is_set():
            fault = self.faults.take("GET", STREAM_PATH, STREAM_FAULTS)
            if fault is not None:
                if fault.kind is FaultKind.STREAM_DROP:
                    writer.abort()
                    return
                if fault.kind is FaultKind.STREAM_DISCONNECT:
                    notice = {
                        "errors": [
                            {
                                "title": "operational-disconnect",
                                "disconnect_type": "UpstreamOperationalDisconnect",
                                "detail": "Disconnected upstream for operational reasons.",
                                "type": f"{PROBLEM}operational-disconnect",
                            }
                        ]
                    }
                    writer.write(json.dumps(notice).encode() + b"\r\n")
                    return
                writer.stall(fault.delay)
                continue
            try:
                item = inbox.get(timeout=self.keepalive_interval)
            except queue.Empty:
                writer.write(b"\r\n")
                continue
            if item is None:
                return
            note = json.loads(item)
            with self.lock:
                tweet = self.tweets[note["id"]]
                data, includes = render_tweets([tweet], self.users, request.query)
            line: dict[str, Any] = {"data": data[0], "matching_rules": note["rules"]}
            if includes:
                line["includes"] = includes
            if self.spec is not None:
                self.note_invalid(self.spec.check_schema("FilteredStreamingTweetResponse", line))
            writer.write(json.dumps(line).encode("utf-8") + b"\r\n")

    def _list_webhooks(self, request: Request) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        with self.lock:
            hooks = [
                {"id": h.id, "url": h.url, "valid": h.valid, "created_at": h.created_at}
                for h in self.webhooks.values()
            ]
        body: dict[str, Any] = {"meta": {"result_count": len(hooks)}}
        if hooks:
            body["data"] = hooks
        return json_response(body)

    def _create_webhook(self, request: Request) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        url = str((request.json() or {}).get("url") or "")
        if not url.startswith(("http://", "https://")):
            return self._problem(400, "Invalid Request", "UrlValidationFailed", "invalid-request")
        if any(h.url == url for h in self.webhooks.values()):
            return self._problem(400, "Invalid Request", "DuplicateUrlFailed", "invalid-request")
        if not crc_ok(url, self.consumer_secret):
            return self._problem(400, "Invalid Request", "CrcValidationFailed", "invalid-request")
        hook = Webhook(self._new_id(), url, True, iso_millis(datetime.now(UTC)))
        with self.lock:
            self.webhooks[hook.id] = hook
        return json_response(
            {"id": hook.id, "url": url, "valid": True, "created_at": hook.created_at}
        )

    def _revalidate_webhook(self, request: Request, webhook_id: str) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        hook = self.webhooks.get(webhook_id)
        if hook is None:
            return self.error(404, "webhook not found")
        hook.valid = crc_ok(hook.url, self.consumer_secret)
        return json_response({"data": {"attempted": True}})

    def _delete_webhook(self, request: Request, webhook_id: str) -> Response:
        denied = self._app_or_user(request)
        if denied:
            return denied
        with self.lock:
            removed = self.webhooks.pop(webhook_id, None)
        return json_response({"data": {"deleted": removed is not None}})

    def _subscribe(self, request: Request, webhook_id: str) -> Response:
        caller = self._user_of(request)
        if isinstance(caller, Response):
            return caller
        hook = self.webhooks.get(webhook_id)
        if hook is None:
            return self.error(404, "webhook not found")
        hook.subscribers.add(caller)
        return json_response({"data": {"subscribed": True}})

    def _token(self, request: Request) -> Response:
        form = {k: v[-1] for k, v in request.form().items()}
        refresh = form.get("refresh_token")
        with self.lock:
            for token, account in list(self._tokens.items()):
                if (
                    form.get("grant_type") == "refresh_token"
                    and refresh
                    and account.refresh_token == refresh
                    and account.client_id == form.get("client_id")
                ):
                    new_access, new_refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
                    del self._tokens[token]
                    self._tokens[new_access] = _Account(
                        account.user_id, new_refresh, account.client_id, account.scopes
                    )
                    return json_response(
                        {
                            "token_type": "bearer",
                            "expires_in": 7200,
                            "access_token": new_access,
                            "refresh_token": new_refresh,
                            "scope": "tweet.read tweet.write users.read dm.read dm.write",
                        }
                    )
        return json_response(
            {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            },
            400,
        )

    # --- control API ----------------------------------------------------------------------------

    def _control_account(self, request: Request) -> Response:
        body = request.json() or {}
        user_id = self.add_account(
            str(body["username"]),
            user_token=str(body["user_token"]),
            app_token=body.get("app_token"),
            refresh_token=body.get("refresh_token"),
            client_id=body.get("client_id"),
            user_id=body.get("user_id"),
        )
        return json_response({"id": user_id}, 201)

    def _control_post(self, request: Request) -> Response:
        body = request.json() or {}
        geo = body.get("coordinates")
        tweet_id = self.post(
            str(body["author"]),
            str(body["text"]),
            in_reply_to=body.get("in_reply_to"),
            quote_of=body.get("quote_of"),
            geo=(float(geo[0]), float(geo[1])) if geo else None,
        )
        return json_response({"id": tweet_id}, 201)

    def _control_dm(self, request: Request) -> Response:
        body = request.json() or {}
        event_id = self.dm(str(body["sender"]), str(body["recipient"]), str(body["text"]))
        return json_response({"id": event_id}, 201)

    def _control_edit(self, request: Request, tweet_id: str) -> Response:
        new_id = self.edit(tweet_id, str((request.json() or {})["text"]))
        return json_response({"id": new_id}, 201)

    def _control_delete(self, request: Request, tweet_id: str) -> Response:
        self.delete(tweet_id)
        return Response(204)

    def _control_outbox(self, request: Request) -> Response:
        author = request.arg("author") or ""
        return json_response({"posts": self.posts_by(author), "dms": self.dms_by(author)})

    def _control_invalidate(self, request: Request, webhook_id: str) -> Response:
        self.invalidate_webhook(webhook_id)
        return Response(204)

    @property
    def deliveries(self) -> list[Delivery]:
        """Webhook POSTs made so far."""
        return self.deliverer.log()

    def flush_deliveries(self, timeout: float = 5.0) -> None:
        """Wait until every queued webhook delivery was attempted."""
        self.deliverer.flush(timeout)

    def invalidate_webhook(self, webhook_id: str) -> None:
        """As if the hourly CRC failed: X marks the webhook invalid and stops delivering."""
        with self.lock:
            self.webhooks[webhook_id].valid = False
