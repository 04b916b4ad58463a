"""The X emulator's world: users, tokens, posts, DMs, rate windows, and their fan-out.

The in-memory state and the Python API that tests and the demo drive (`post`, `dm`,
`edit`, `delete`, `retweet`, `like`, `follow`, `expire_token`, ...). `XEmulator` (x.py)
puts the HTTP API on top; deliveries go to the filtered stream and Account Activity webhooks
the way X sends them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.timeparse import iso_millis
from atdesk.channels.x.normalize import aa_dm_conversation_id
from atdesk.domain.posts import Post
from atdesk.emulators.base import Emulator
from atdesk.emulators.faults import Fault, FaultKind
from atdesk.emulators.schemas import OpenApiValidator, x_openapi
from atdesk.emulators.server import Request, Response, json_response
from atdesk.emulators.x_render import (
    entities,
    interested,
    public,
    v1_dm,
    v1_time,
    v1_tweet,
    v1_user,
)
from atdesk.emulators.x_rules import PROBLEM, Rule, XApp
from atdesk.emulators.x_webhooks import Deliverer, Delivery, Webhook

DEFAULT_APP = "app"
PLACE_ID = "0a1b2c3d4e5f6071"  # where every geotagged post is (x_render names it)
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
class TokenGrant:
    """A user whose tokens the emulator accepts, and the app the tokens were issued to."""

    user_id: str
    refresh_token: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = ALL_SCOPES
    app: str = DEFAULT_APP


class XWorld(Emulator):
    """State and Python API of the X emulator; the HTTP routes are added by XEmulator."""

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
        self.apps: dict[str, XApp] = {DEFAULT_APP: XApp(DEFAULT_APP)}
        self.webhooks: dict[str, Webhook] = {}
        self.limits = dict(DEFAULT_LIMITS)
        self._tokens: dict[str, TokenGrant] = {}
        self._app_tokens: dict[str, str] = {}
        self._expired: set[str] = set()
        self._revoked: set[str] = set()
        self._windows: dict[tuple[str, str], list[float]] = {}
        self._next_id = 1899000000000000000
        self._next_user = 1200000000
        self.deliverer = Deliverer(consumer_secret)
        self.register_routes()

    def register_routes(self) -> None:
        """Hook for the HTTP layer (XEmulator)."""

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
            while user_id is None or user_id in self.users:  # seeded users keep their ids
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
        app: str = DEFAULT_APP,
    ) -> str:
        """A user whose tokens `app` was granted (the brand, or any account an app acts for)."""
        user_id = self.add_user(username, name=name, user_id=user_id)
        with self.lock:
            self.apps.setdefault(app, XApp(app))
            self._tokens[user_token] = TokenGrant(user_id, refresh_token, client_id, scopes, app)
            if app_token:
                self._app_tokens[app_token] = app
        return user_id

    @property
    def rules(self) -> dict[str, Rule]:
        """The default app's filtered-stream rules by id."""
        return self.apps[DEFAULT_APP].rules

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

    def _app_of(self, request: Request) -> XApp | Response:
        """The app an app-only bearer (or a user token it was granted) belongs to, or the 401."""
        token = request.bearer() or ""
        with self.lock:
            if token in self._app_tokens and token not in self._revoked:
                return self.apps[self._app_tokens[token]]
        found = self._user_of(request)
        if isinstance(found, Response):
            return found
        with self.lock:
            return self.apps[self._tokens[token].app]

    def _app_or_user(self, request: Request) -> Response | None:
        found = self._app_of(request)
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
        tweet = self._tweet(tweet_id, author_id, text, now, lang=lang)
        refs = []
        with self.lock:
            if in_reply_to:
                refs.append(self._reply_link(tweet, in_reply_to))
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
                    "place_id": PLACE_ID,
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

    def _tweet(
        self, tweet_id: str, author_id: str, text: str, created: datetime, *, lang: str
    ) -> dict[str, Any]:
        """A new post's fields, before replies, quotes, edits, geo and media are linked in."""
        return {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "created_at": iso_millis(created),
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

    def _reply_link(self, tweet: dict[str, Any], in_reply_to: str) -> dict[str, str]:
        """Join a reply to its parent's conversation; the `replied_to` reference to add."""
        parent = self.tweets.get(in_reply_to)
        if parent is not None:
            tweet["conversation_id"] = parent["conversation_id"]
            tweet["in_reply_to_user_id"] = parent["author_id"]
        return {"type": "replied_to", "id": in_reply_to}

    def seed(self, post: Post) -> None:
        """A post written before this emulator started (the demo's stored history): kept with
        its own id, author and time, and delivered to nobody, since it is not new."""
        author = post.author
        author_id = self.add_user(
            author.handle,
            name=author.name,
            followers=author.followers,
            verified=author.verified,
            user_id=author.native_id,
        )
        tweet = self._tweet(
            post.native_id, author_id, post.text, post.created_at, lang=post.lang or "en"
        )
        with self.lock:
            if post.in_reply_to:
                tweet["referenced_tweets"] = [self._reply_link(tweet, post.in_reply_to)]
            if post.coordinates is not None:
                lat, lon = post.coordinates
                tweet["geo"] = {
                    "place_id": PLACE_ID,
                    "coordinates": {"type": "Point", "coordinates": [lon, lat]},
                }
            self.tweets[post.native_id] = tweet
            if post.native_id.isdigit():  # ids grow with time: new posts come after it
                self._next_id = max(self._next_id, int(post.native_id))

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
        with self.lock:
            lines = [
                (list(app.streams), app.matching(tweet, self.users)) for app in self.apps.values()
            ]
        lines = [(streams, matched) for streams, matched in lines if streams and matched]
        if lines:
            copies = 2 if self.faults.take("GET", STREAM_PATH, {FaultKind.DUPLICATE}) else 1
            for streams, matched in lines:
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
