"""A Mastodon emulator: statuses, mention notifications, min_id paging, SSE user streams.

Customers are local (`ana`) or remote (`dana@example.social`) accounts; the brand is a
local account with a bearer token. Statuses get HTML content the way Mastodon formats
it; `@acct` mentions notify; `visibility: direct` statuses are private messages. Errors
are `{"error": "..."}`, rate limits use `X-RateLimit-*` with an ISO 8601 reset.
Mastodon publishes no machine-readable schema, so requests are checked by hand-written
rules (visibility values, limit range, text length).
"""

from __future__ import annotations

import json
import queue
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.textlength import mastodon_text_length
from atdesk.channels.timeparse import iso_millis
from atdesk.domain.posts import Post
from atdesk.emulators.base import Emulator
from atdesk.emulators.faults import STREAM_FAULTS, Fault, FaultKind
from atdesk.emulators.mastodon_render import format_content
from atdesk.emulators.server import Request, Response, StreamWriter, json_response

STREAM_PATHS = ("/api/v1/streaming/user", "/api/v1/streaming/user/notification")
VISIBILITIES = {"public", "unlisted", "private", "direct"}
MAX_CHARACTERS = 500
WINDOW = (300, 300.0)
# What Mastodon answers (404) when the post replied to is unknown or hidden from the poster.
REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist."


@dataclass(slots=True)
class _Stream:
    account_id: str
    inbox: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)
    notifications_only: bool = False


class MastodonEmulator(Emulator):
    """Speaks the Mastodon REST and streaming API of one instance."""

    name = "mastodon"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        domain: str = "city.example",
        keepalive_interval: float = 10.0,
    ) -> None:
        super().__init__(host=host, port=port, validate=False)
        self.domain = domain
        self.keepalive_interval = keepalive_interval
        self.accounts: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.notifications: dict[str, list[dict[str, Any]]] = {}
        self.limits = dict.fromkeys(("*",), WINDOW)
        self._tokens: dict[str, str] = {}
        self._expired: set[str] = set()
        self._revoked: set[str] = set()
        self._windows: dict[str, list[float]] = {}
        self._idempotency: dict[tuple[str, str], tuple[float, str]] = {}
        self._streams: list[_Stream] = []
        self._next_id = 112233445566770000
        self._next_account = 100
        self.route("GET", "/api/v1/notifications", self._list_notifications)
        self.route("GET", "/api/v1/statuses/{status_id}", self._get_status)
        self.route("GET", "/api/v1/timelines/tag/{hashtag}", self._tag_timeline)
        self.route("GET", "/api/v2/search", self._search)
        self.route("POST", "/api/v1/statuses", self._post_status)
        self.route("GET", "/api/v1/accounts/verify_credentials", self._verify)
        self.route("GET", "/api/v2/instance", self._instance)
        self.route("GET", "/api/v1/streaming/health", lambda r: Response(200, b"OK"))
        for path in STREAM_PATHS:
            self.route("GET", path, self._stream)
        self.control("POST", "/_emulator/accounts", self._control_account)
        self.control("POST", "/_emulator/posts", self._control_post)
        self.control("GET", "/_emulator/outbox", self._control_outbox)

    # --- errors ------------------------------------------------------------------------------

    def error(self, status: int, message: str) -> Response:
        """Mastodon's `{"error": "..."}`."""
        return json_response({"error": message}, status)

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """429 with an ISO 8601 reset, 5xx, and Doorkeeper's 401 wording."""
        if fault.kind is FaultKind.RATE_LIMIT:
            reset = datetime.fromtimestamp(fault.reset_at or time.time(), UTC)
            headers = {
                "x-ratelimit-limit": "300",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": iso_millis(reset),
            }
            return json_response({"error": "Too many requests"}, 429, headers)
        if fault.kind is FaultKind.SERVER_ERROR:
            return self.error(fault.status, "We're sorry, but something went wrong")
        if fault.kind is FaultKind.EXPIRED_TOKEN:
            return self.error(401, "The access token expired")
        return self.error(401, "The access token was revoked")

    # --- accounts ------------------------------------------------------------------------------

    def add_account(
        self,
        acct: str,
        *,
        token: str | None = None,
        display_name: str = "",
        account_id: str | None = None,
    ) -> str:
        """A local (`ana`) or remote (`dana@example.social`) account; `token` signs it in.

        `account_id` keeps the id the account had before (a restarted demo); otherwise the
        next free one is taken.
        """
        with self.lock:
            existing = self.find_account(acct)
            if existing is None:
                while account_id is None or account_id in self.accounts:
                    self._next_account += 1
                    account_id = str(self._next_account)
                username, _, domain = acct.lstrip("@").partition("@")
                host = domain or self.domain
                self.accounts[account_id] = {
                    "id": account_id,
                    "username": username,
                    "acct": acct.lstrip("@") if domain else username,
                    "display_name": display_name or username,
                    "url": f"https://{host}/@{username}",
                    "bot": False,
                    "followers_count": 0,
                    "following_count": 0,
                    "statuses_count": 0,
                    "created_at": "2024-01-01T00:00:00.000Z",
                }
                self.notifications[account_id] = []
                existing = account_id
            if token:
                self._tokens[token] = existing
            return existing

    def find_account(self, acct: str) -> str | None:
        """The id of an acct (a local account also answers to `user@<this domain>`)."""
        wanted = acct.lstrip("@").lower()
        local = wanted.removesuffix(f"@{self.domain}")
        with self.lock:
            for account_id, account in self.accounts.items():
                if account["acct"].lower() in {wanted, local}:
                    return account_id
        return None

    def _resolve(self, acct: str) -> dict[str, Any] | None:
        """A mentioned account; a remote one is discovered on first mention (WebFinger)."""
        account_id = self.find_account(acct)
        if account_id is None and "@" in acct.lstrip("@"):
            account_id = self.add_account(acct)
        return self.accounts[account_id] if account_id else None

    def expire_token(self, token: str) -> None:
        """The token stops working with "expired"."""
        self._expired.add(token)

    def revoke_token(self, token: str) -> None:
        """The token stops working with "revoked"."""
        self._revoked.add(token)

    def _caller(self, request: Request) -> str | Response:
        token = request.bearer() or ""
        if token in self._revoked:
            return self.error(401, "The access token was revoked")
        if token in self._expired:
            return self.error(401, "The access token expired")
        account_id = self._tokens.get(token)
        if account_id is None:
            return self.error(401, "The access token is invalid")
        return account_id

    def set_rate_limit(self, limit: int, window: float) -> None:
        """Change the per-account window (default 300 calls / 5 minutes)."""
        with self.lock:
            self.limits["*"] = (limit, window)
            self._windows.clear()

    def _spend(self, request: Request) -> tuple[dict[str, str], Response | None]:
        limit, window = self.limits["*"]
        key = request.bearer() or ""
        now = time.time()
        with self.lock:
            used, reset = self._windows.get(key, [0.0, now + window])
            if now >= reset:
                used, reset = 0.0, now + window
            used += 1
            self._windows[key] = [used, reset]
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - int(used))),
            "x-ratelimit-reset": iso_millis(datetime.fromtimestamp(reset, UTC)),
        }
        if used > limit:
            return headers, json_response({"error": "Too many requests"}, 429, headers)
        return headers, None

    # --- statuses and notifications -------------------------------------------------------------

    def _new_id(self) -> str:
        with self.lock:
            self._next_id += 1 + secrets.randbelow(50)
            return str(self._next_id)

    def post(
        self,
        author: str,
        text: str,
        *,
        visibility: str = "public",
        in_reply_to: str | None = None,
        spoiler_text: str = "",
        language: str | None = "en",
    ) -> str:
        """A status by `author` (created on first use); every mentioned account is notified."""
        author_id = self.add_account(author)
        status_id = self._new_id()
        content, mentions, tags = format_content(text, f"https://{self.domain}", self._resolve)
        now = datetime.now(UTC)
        status: dict[str, Any] = {
            "id": status_id,
            "created_at": iso_millis(now),
            "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": None,
            "sensitive": bool(spoiler_text),
            "spoiler_text": spoiler_text,
            "visibility": visibility,
            "language": language,
            "uri": f"https://{self.domain}/users/{author_id}/statuses/{status_id}",
            "url": f"https://{self.domain}/@{self.accounts[author_id]['username']}/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": content,
            "account": dict(self.accounts[author_id]),
            "media_attachments": [],
            "mentions": mentions,
            "tags": tags,
            "emojis": [],
            "_text": text,
        }
        with self.lock:
            if in_reply_to:
                status["in_reply_to_account_id"] = self.statuses[in_reply_to]["account"]["id"]
            self.statuses[status_id] = status
        for mention in mentions:
            if mention["id"] != author_id:
                self._notify(mention["id"], "mention", author_id, status)
        return status_id

    def seed(self, post: Post) -> None:
        """A status written before this emulator started (the demo's stored history): kept
        with its own id, author and time, and notified to nobody, since it is not new."""
        author = post.author
        author_id = self.add_account(
            author.handle, display_name=author.name, account_id=author.native_id
        )
        content, mentions, tags = format_content(post.text, f"https://{self.domain}", self._resolve)
        with self.lock:
            parent = self.statuses.get(post.in_reply_to or "")
            account = dict(self.accounts[author_id])
            self.statuses[post.native_id] = {
                "id": post.native_id,
                "created_at": iso_millis(post.created_at),
                "in_reply_to_id": post.in_reply_to,
                "in_reply_to_account_id": parent["account"]["id"] if parent else None,
                "sensitive": False,
                "spoiler_text": "",
                "visibility": "direct" if post.direct else "public",
                "language": post.lang or "en",
                "uri": f"https://{self.domain}/users/{author_id}/statuses/{post.native_id}",
                "url": f"https://{self.domain}/@{account['username']}/{post.native_id}",
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "edited_at": None,
                "content": content,
                "account": account,
                "media_attachments": [],
                "mentions": mentions,
                "tags": tags,
                "emojis": [],
                "_text": post.text,
            }
            if post.native_id.isdigit():  # ids grow with time: new statuses come after it
                self._next_id = max(self._next_id, int(post.native_id))

    def edit(self, status_id: str, text: str) -> None:
        """Edit a status: `update` notifications for those who interacted, `status.update`."""
        with self.lock:
            status = self.statuses[status_id]
            content, mentions, tags = format_content(text, f"https://{self.domain}", self._resolve)
            status.update(
                content=content,
                mentions=mentions,
                tags=tags,
                _text=text,
                edited_at=iso_millis(datetime.now(UTC)),
            )
            repliers = {
                s["account"]["id"]
                for s in self.statuses.values()
                if s["in_reply_to_id"] == status_id
            }
        author_id = status["account"]["id"]
        for account_id in repliers - {author_id}:
            self._notify(account_id, "update", author_id, status)
        for mention in mentions:
            self._broadcast(mention["id"], "status.update", json.dumps(self._public(status)))

    def delete(self, status_id: str) -> None:
        """Delete a status; mentioned accounts' streams get `delete` with the bare id."""
        with self.lock:
            status = self.statuses.pop(status_id)
        for mention in status["mentions"]:
            self._broadcast(mention["id"], "delete", status_id)

    def favourite(self, author: str, status_id: str) -> None:
        """A favourite: noise for care."""
        actor = self.add_account(author)
        status = self.statuses[status_id]
        self._notify(status["account"]["id"], "favourite", actor, status)

    def follow(self, source: str, target: str) -> None:
        """A follow: noise for care."""
        self._notify(self.add_account(target), "follow", self.add_account(source), None)

    def statuses_by(self, acct: str) -> list[dict[str, Any]]:
        """Everything an account published (the brand's outbox)."""
        account_id = self.find_account(acct)
        with self.lock:
            return [
                self._public(s) | {"text": s["_text"]}
                for s in self.statuses.values()
                if s["account"]["id"] == account_id
            ]

    @staticmethod
    def _public(status: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in status.items() if not k.startswith("_")}

    def _notify(
        self, account_id: str, kind: str, actor_id: str, status: dict[str, Any] | None
    ) -> None:
        notification: dict[str, Any] = {
            "id": self._new_id(),
            "type": kind,
            "created_at": iso_millis(datetime.now(UTC)),
            "group_key": f"ungrouped-{secrets.token_hex(4)}",
            "account": dict(self.accounts[actor_id]),
        }
        if status is not None:
            notification["status"] = self._public(status)
        with self.lock:
            self.notifications.setdefault(account_id, []).append(notification)
        self._broadcast(account_id, "notification", json.dumps(notification))

    def _broadcast(self, account_id: str, event: str, data: str) -> None:
        copies = 2 if self.faults.take("GET", STREAM_PATHS[0], {FaultKind.DUPLICATE}) else 1
        with self.lock:
            streams = [s for s in self._streams if s.account_id == account_id]
        for stream in streams:
            if stream.notifications_only and event != "notification":
                continue
            for _ in range(copies):
                stream.inbox.put((event, data))

    # --- API handlers ------------------------------------------------------------------------

    def _list_notifications(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request)
        if limited:
            return limited
        try:
            limit = int(request.arg("limit") or 40)
        except ValueError:
            return self.error(422, "limit must be a number")
        limit = max(1, min(limit, 80))
        types = set(request.args("types"))
        excluded = set(request.args("exclude_types"))
        min_id, since_id, max_id = (request.arg(k) for k in ("min_id", "since_id", "max_id"))
        with self.lock:
            found = [
                n
                for n in self.notifications.get(caller, [])
                if (not types or n["type"] in types)
                and n["type"] not in excluded
                and (not max_id or int(n["id"]) < int(max_id))
            ]
        found.sort(key=lambda n: int(n["id"]))
        if min_id:
            page = [n for n in found if int(n["id"]) > int(min_id)][:limit]
        else:
            newer = [n for n in found if not since_id or int(n["id"]) > int(since_id)]
            page = newer[-limit:]
        page.reverse()
        if page:
            base = f"{self.base_url}/api/v1/notifications"
            headers["link"] = (
                f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                f'<{base}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return json_response(page, headers=headers)

    def _status_page(
        self, request: Request, found: list[dict[str, Any]], path: str, default: int, most: int
    ) -> Response:
        """Statuses newest first with Mastodon's paging: `min_id` (just after, oldest first
        taken), `since_id`, `max_id`, `limit`, and the Link header."""
        try:
            limit = max(1, min(int(request.arg("limit") or default), most))
        except ValueError:
            return self.error(422, "limit must be a number")
        min_id, since_id, max_id = (request.arg(k) for k in ("min_id", "since_id", "max_id"))
        found = [s for s in found if not max_id or int(s["id"]) < int(max_id)]
        found.sort(key=lambda s: int(s["id"]))
        if min_id:
            page = [s for s in found if int(s["id"]) > int(min_id)][:limit]
        else:
            page = [s for s in found if not since_id or int(s["id"]) > int(since_id)][-limit:]
        page.reverse()
        headers: dict[str, str] = {}
        if page:
            base = f"{self.base_url}{path}"
            joiner = "&" if "?" in base else "?"
            headers["link"] = (
                f'<{base}{joiner}max_id={page[-1]["id"]}>; rel="next", '
                f'<{base}{joiner}min_id={page[0]["id"]}>; rel="prev"'
            )
        return json_response([self._public(s) for s in page], headers=headers)

    def _listed(self) -> list[dict[str, Any]]:
        """Public statuses that still exist (what tag timelines and search can show)."""
        with self.lock:
            return [s for s in self.statuses.values() if s["visibility"] == "public"]

    def _tag_timeline(self, request: Request, hashtag: str) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request)
        if limited:
            return limited
        tag = hashtag.lower()
        found = [s for s in self._listed() if tag in {t["name"].lower() for t in s["tags"]}]
        answer = self._status_page(request, found, f"/api/v1/timelines/tag/{hashtag}", 20, 40)
        answer.headers.update(headers)
        return answer

    def _search(self, request: Request) -> Response:
        """`type=statuses` full-text search (whole words or a "phrase", case-insensitive)."""
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request)
        if limited:
            return limited
        query = (request.arg("q") or "").strip()
        if not query:
            return self.error(400, "Search query missing")
        kind = request.arg("type")
        statuses: list[dict[str, Any]] = []
        if kind in (None, "", "statuses"):
            words = query.strip('"').split()
            pattern = re.compile(
                r"(?<![\w@])" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)",
                re.IGNORECASE,
            )
            found = [s for s in self._listed() if pattern.search(s["_text"])]
            page = self._status_page(request, found, "/api/v2/search", 20, 40)
            if page.status != 200:
                return page
            statuses = json.loads(page.body)
        return json_response(
            {"accounts": [], "statuses": statuses, "hashtags": []}, headers=headers
        )

    def _get_status(self, request: Request, status_id: str) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        status = self.statuses.get(status_id)
        if status is None:
            return self.error(404, "Record not found")
        return json_response(self._public(status))

    def _post_status(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        headers, limited = self._spend(request)
        if limited:
            return limited
        if request.headers.get("content-type", "").startswith("application/json"):
            body = request.json() or {}
        else:
            body = {k: v[-1] for k, v in request.form().items()}
        key = request.headers.get("idempotency-key")
        now = time.time()
        if key:
            with self.lock:
                seen = self._idempotency.get((caller, key))
            if seen and now - seen[0] < 3600 and seen[1] in self.statuses:
                return json_response(self._public(self.statuses[seen[1]]), headers=headers)
        text = str(body.get("status") or "")
        visibility = str(body.get("visibility") or "public")
        if visibility not in VISIBILITIES:
            return self.error(422, f"Validation failed: Visibility {visibility!r} is not valid")
        measured = mastodon_text_length(text, spoiler_text=str(body.get("spoiler_text") or ""))
        if not text.strip():
            return self.error(422, "Validation failed: Text can't be blank")
        if measured.length > MAX_CHARACTERS:
            return self.error(422, "Validation failed: Text character limit of 500 exceeded")
        reply_to = body.get("in_reply_to_id")
        if reply_to and reply_to not in self.statuses:
            return self.error(404, REPLY_NOT_FOUND)
        status_id = self.post(
            self.accounts[caller]["acct"],
            text,
            visibility=visibility,
            in_reply_to=reply_to,
            spoiler_text=str(body.get("spoiler_text") or ""),
            language=body.get("language") or "en",
        )
        if key:
            with self.lock:
                self._idempotency[(caller, key)] = (now, status_id)
        return json_response(self._public(self.statuses[status_id]), headers=headers)

    def _verify(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        return json_response(self.accounts[caller])

    def _instance(self, request: Request) -> Response:
        return json_response(
            {
                "domain": self.domain,
                "title": "City emulator",
                "version": "4.3.0",
                "configuration": {
                    "urls": {"streaming": self.base_url.replace("http://", "ws://")},
                    "statuses": {
                        "max_characters": MAX_CHARACTERS,
                        "characters_reserved_per_url": 23,
                    },
                },
            }
        )

    def _stream(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        stream = _Stream(caller, notifications_only=request.path.endswith("/notification"))
        with self.lock:
            self._streams.append(stream)

        def run(writer: StreamWriter) -> None:
            try:
                self._stream_loop(writer, stream, request.path)
            finally:
                with self.lock:
                    self._streams = [s for s in self._streams if s is not stream]

        headers = {"content-type": "text/event-stream", "cache-control": "no-store"}
        return Response(200, headers=headers, stream=run)

    def _stream_loop(self, writer: StreamWriter, stream: _Stream, path: str) -> None:
        writer.write(b":)\n")
        while not writer.stopping.is_set():
            fault = self.faults.take("GET", path, STREAM_FAULTS)
            if fault is not None:
                if fault.kind is FaultKind.STREAM_DROP:
                    writer.abort()
                    return
                if fault.kind is FaultKind.STREAM_DISCONNECT:
                    return
                writer.stall(fault.delay)
                continue
            try:
                event, data = stream.inbox.get(timeout=self.keepalive_interval)
            except queue.Empty:
                writer.write(b":thump\n")
                continue
            writer.write(f"event: {event}\ndata: {data}\n\n".encode())

    # --- control API ---------------------------------------------------------------------------

    def _control_account(self, request: Request) -> Response:
        body = request.json() or {}
        account_id = self.add_account(str(body["acct"]), token=body.get("token"))
        return json_response({"id": account_id}, 201)

    def _control_post(self, request: Request) -> Response:
        body = request.json() or {}
        status_id = self.post(
            str(body["author"]),
            str(body["text"]),
            visibility=str(body.get("visibility") or "public"),
            in_reply_to=body.get("in_reply_to"),
        )
        return json_response({"id": status_id}, 201)

    def _control_outbox(self, request: Request) -> Response:
        return json_response({"statuses": self.statuses_by(request.arg("acct") or "")})
