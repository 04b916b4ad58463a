"""An X API v2 emulator: mentions, DMs, posting, filtered stream, Account Activity webhooks.

State lives in memory (`XWorld`, x_world.py): users, posts, DMs, webhooks, and per app
its stream rules and its one stream connection (`XApp`, x_rules.py).
Tests and the demo inject customer traffic through the Python API (`post`, `dm`, `edit`,
`delete`, `retweet`, `like`) or the control API, and the brand's replies and DMs come back
the way X sends them: in mentions when a customer answers, in `/2/dm_events`, on the stream
and to the webhook. Requests and responses are checked against X's OpenAPI document when it
is available.
"""

from __future__ import annotations

import json
import queue
import secrets
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.textlength import x_text_length
from atdesk.channels.timeparse import iso_millis
from atdesk.channels.x.normalize import aa_dm_conversation_id
from atdesk.emulators.base import RouteHandler
from atdesk.emulators.faults import STREAM_FAULTS, FaultKind
from atdesk.emulators.server import Request, Response, StreamWriter, json_response
from atdesk.emulators.x_query import QueryError, parse_query, query_matches
from atdesk.emulators.x_render import b36, render_tweets, render_user, replying_allowed
from atdesk.emulators.x_rules import PROBLEM, StreamInbox, change_problem
from atdesk.emulators.x_webhooks import Webhook, crc_ok
from atdesk.emulators.x_world import (
    REPLY_NOT_ALLOWED,
    STREAM_PATH,
    WEBHOOK_DELIVERY,
    TokenGrant,
    XWorld,
)

__all__ = ["STREAM_PATH", "WEBHOOK_DELIVERY", "XEmulator"]


class XEmulator(XWorld):
    """Speaks X API v2 (classic field names) on a loopback socket."""

    # --- routes ----------------------------------------------------------------------------

    def register_routes(self) -> None:
        """Every X endpoint atdesk uses, and the control API."""
        self.api("GET", "/2/users/{user_id}/mentions", self._mentions)
        self.api("GET", "/2/dm_events", self._list_dm_events)
        self.api("GET", "/2/tweets/search/recent", self._search_recent)
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

    def _search_recent(self, request: Request) -> Response:
        """Recent search: the query language of the stream rules, newest first, paged by
        `next_token` (also `pagination_token`), bounded by `since_id`/`until_id`."""
        denied = self._app_or_user(request)
        if denied is not None:
            return denied
        headers, limited = self._spend(request, "GET /2/tweets/search/recent")
        if limited:
            return limited
        query = request.arg("query") or ""
        try:
            parsed = parse_query(query)
        except QueryError as exc:
            return self._problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "invalid-request",
                errors=[{"parameters": {"query": [query]}, "message": str(exc)}],
            )
        since = int(request.arg("since_id") or 0)
        until = int(request.arg("until_id") or 0)
        size = int(request.arg("max_results") or 10)
        token = request.arg("next_token") or request.arg("pagination_token")
        try:
            before = int(token, 36) if token else 0
        except ValueError:
            return self._bad_token(request)
        with self.lock:
            found = sorted(
                (
                    t
                    for t in self.tweets.values()
                    if not t.get("_deleted")
                    and not t.get("_superseded")
                    and int(t["id"]) > since
                    and (not until or int(t["id"]) < until)
                    and (not before or int(t["id"]) < before)
                    and query_matches(parsed, t, self.users)
                ),
                key=lambda t: int(t["id"]),
                reverse=True,
            )
            page, rest = found[:size], found[size:]
            data, includes = render_tweets(page, self.users, request.query)
        if not page:
            return json_response({"meta": {"result_count": 0}}, headers=headers)
        meta: dict[str, Any] = {
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
            "result_count": len(page),
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
        app = self._app_of(request)
        if isinstance(app, Response):
            return app
        ids = [i for raw in request.args("ids") for i in raw.split(",") if i]
        token = request.arg("pagination_token") or "0"
        try:
            offset = int(token, 16)
        except ValueError:
            return self._bad_token(request)
        with self.lock:
            rules, following = app.lookup(ids, int(request.arg("max_results") or 1000), offset)
        meta: dict[str, Any] = {"sent": iso_millis(datetime.now(UTC)), "result_count": len(rules)}
        if following:
            meta["next_token"] = f"{following:016x}"
        body: dict[str, Any] = {"meta": meta}
        if rules:
            body["data"] = rules
        return json_response(body)

    def _change_rules(self, request: Request) -> Response:
        app = self._app_of(request)
        if isinstance(app, Response):
            return app
        body = request.json()
        problem = change_problem(body)
        if problem is not None:
            return self._problem(400, "Invalid Request", problem, "invalid-request")
        dry_run = request.arg("dry_run") == "true"
        with self.lock:
            if "delete" in body:
                wanted = body["delete"]
                answer = app.delete(
                    [str(i) for i in wanted.get("ids", [])],
                    [str(v) for v in wanted.get("values", [])],
                    dry_run=dry_run,
                )
            else:
                answer = app.add(body["add"], self._new_id, dry_run=dry_run)
        return json_response(answer)

    def _stream(self, request: Request) -> Response:
        app = self._app_of(request)
        if isinstance(app, Response):
            return app
        with self.lock:
            if app.streams:
                return self._problem(
                    429,
                    "ConnectionException",
                    "This stream is currently at the maximum allowed connection limit.",
                    "streaming-connection",
                    connection_issue="TooManyConnections",
                )
            inbox: StreamInbox = queue.Queue()
            app.streams.append((inbox, request.query))

        def run(writer: StreamWriter) -> None:
            try:
                self._stream_loop(writer, inbox, request)
            finally:
                with self.lock:
                    app.streams = [s for s in app.streams if s[0] is not inbox]

        return Response(200, headers={"content-type": "application/json"}, stream=run)

    def _stream_loop(self, writer: StreamWriter, inbox: StreamInbox, request: Request) -> None:
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
                    self._tokens[new_access] = TokenGrant(
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
