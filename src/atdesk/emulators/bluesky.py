"""A Bluesky PDS + chat service emulator speaking XRPC, checked against the lexicons.

Accounts log in with app passwords (createSession/refreshSession, expiring access tokens);
posts are `app.bsky.feed.post` records with at-uris and CIDs; replies, mentions (facets)
and quotes notify; likes, reposts and follows notify too (noise for care). Chat methods
need the `atproto-proxy` header, as through a real PDS. Rate limits use `RateLimit-*`
with an epoch reset.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.bluesky.account import CHAT_PROXY
from atdesk.channels.bluesky.facets import build_facets
from atdesk.channels.timeparse import iso_millis
from atdesk.domain.posts import Post
from atdesk.emulators.base import Emulator
from atdesk.emulators.faults import Fault, FaultKind
from atdesk.emulators.schemas import LexiconValidator, atproto_lexicons
from atdesk.emulators.server import Request, Response, json_response

XRPC = "/xrpc/"
POST = "app.bsky.feed.post"
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def _cid(data: Any) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def _holds(text: str, wanted: str) -> bool:
    """Whole words (a #tag or @handle as written), case-insensitive."""
    words = [re.escape(w) for w in wanted.split()]
    return re.search(r"(?<![\w#@])" + r"\s+".join(words) + r"(?!\w)", text, re.I) is not None


def _mentioned(record: dict[str, Any]) -> set[str]:
    return {
        str(f.get("did"))
        for facet in record.get("facets") or ()
        for f in facet.get("features") or ()
        if str(f.get("$type", "")).endswith("#mention")
    }


def _tags(record: dict[str, Any]) -> set[str]:
    found = {str(t).lower() for t in record.get("tags") or ()}
    found |= {t.lower() for t in re.findall(r"(?<![\w&])#(\w+)", str(record.get("text") or ""))}
    return found


def _did_of(handle: str) -> str:
    """A did:plc for a new account, the same for the same handle every time."""
    slug = "".join(c for c in handle.split(".")[0].lower() if c.isalnum())[:12]
    digest = hashlib.sha256(handle.lower().encode()).hexdigest()
    return "did:plc:" + (slug + digest)[:24]


@dataclass(slots=True)
class _Session:
    did: str
    expires_at: float


@dataclass(slots=True)
class _Convo:
    id: str
    members: list[str]
    rev: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)


class BlueskyEmulator(Emulator):
    """Speaks the XRPC methods a care tool needs, on a loopback socket."""

    name = "bluesky"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        validate: bool = True,
        access_ttl: float = 7200.0,
    ) -> None:
        super().__init__(host=host, port=port, validate=validate)
        self.lexicons: LexiconValidator | None = atproto_lexicons() if validate else None
        self.access_ttl = access_ttl
        self.accounts: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.notifications: dict[str, list[dict[str, Any]]] = {}
        self.convos: dict[str, _Convo] = {}
        self.chat_log: list[tuple[int, list[str], dict[str, Any]]] = []
        self.limits = (3000, 300.0)
        self._passwords: dict[str, str] = {}
        self._access: dict[str, _Session] = {}
        self._refresh: dict[str, str] = {}
        self._windows: dict[str, list[float]] = {}
        self._seq = 0
        self._clock_tid = int(time.time() * 1_000_000)
        self.route("POST", XRPC + "{nsid}", self._procedure)
        self.route("GET", XRPC + "{nsid}", self._query)
        self.control("POST", "/_emulator/accounts", self._control_account)
        self.control("POST", "/_emulator/posts", self._control_post)
        self.control("POST", "/_emulator/messages", self._control_message)
        self.control("GET", "/_emulator/outbox", self._control_outbox)

    # --- errors -------------------------------------------------------------------------------

    def error(self, status: int, message: str, name: str | None = None) -> Response:
        """XRPC's `{"error": Name, "message": text}`."""
        default = {400: "InvalidRequest", 401: "AuthenticationRequired", 404: "NotFound"}
        return json_response(
            {"error": name or default.get(status, "InternalServerError"), "message": message},
            status,
        )

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """429 with `RateLimit-*` (epoch reset), 5xx, and the session errors."""
        if fault.kind is FaultKind.RATE_LIMIT:
            headers = {
                "ratelimit-limit": str(self.limits[0]),
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(int(fault.reset_at or time.time())),
                "ratelimit-policy": f"{self.limits[0]};w={int(self.limits[1])}",
            }
            body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
            return json_response(body, 429, headers)
        if fault.kind is FaultKind.SERVER_ERROR:
            return self.error(fault.status, "Internal Server Error", "InternalServerError")
        if fault.kind is FaultKind.EXPIRED_TOKEN:
            return self.error(400, "Token has expired", "ExpiredToken")
        return self.error(401, "Token could not be verified", "InvalidToken")

    # --- accounts and sessions ----------------------------------------------------------------

    def add_account(
        self,
        handle: str,
        *,
        password: str | None = None,
        display_name: str = "",
        did: str | None = None,
    ) -> str:
        """An account by handle (created on first use); `password` is its app password.

        The DID is `did` when given (an account known from before), else derived from the
        handle, so a restarted emulator gives the same handle the same DID, as the network does.
        """
        with self.lock:
            found = self.find_did(handle)
            if found is None:
                found = did or _did_of(handle)
                self.accounts[found] = {
                    "did": found,
                    "handle": handle,
                    "displayName": display_name or handle.split(".")[0].title(),
                    "followersCount": 0,
                }
                self.notifications[found] = []
            if password:
                self._passwords[found] = password
            return found

    def find_did(self, handle: str) -> str | None:
        """The DID of a handle, if known."""
        wanted = handle.lstrip("@").lower()
        with self.lock:
            for did, account in self.accounts.items():
                if account["handle"].lower() == wanted:
                    return did
        return None

    def expire_sessions(self, handle: str) -> None:
        """Every access token of the account expires now (refresh tokens still work)."""
        did = self.find_did(handle)
        with self.lock:
            for session in self._access.values():
                if session.did == did:
                    session.expires_at = 0.0

    def end_sessions(self, handle: str) -> None:
        """Access and refresh tokens both stop working (a new login is needed)."""
        did = self.find_did(handle)
        with self.lock:
            self._access = {k: v for k, v in self._access.items() if v.did != did}
            self._refresh = {k: v for k, v in self._refresh.items() if v != did}

    def revoke_app_password(self, handle: str) -> None:
        """The app password is revoked: sessions end and logging in fails."""
        self.end_sessions(handle)
        did = self.find_did(handle)
        with self.lock:
            self._passwords.pop(did or "", None)

    def _issue(self, did: str) -> dict[str, Any]:
        access, refresh = "acc-" + secrets.token_urlsafe(24), "ref-" + secrets.token_urlsafe(24)
        with self.lock:
            self._access[access] = _Session(did, time.time() + self.access_ttl)
            self._refresh[refresh] = did
        account = self.accounts[did]
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": account["handle"],
            "did": did,
            "active": True,
        }

    def _caller(self, request: Request) -> str | Response:
        token = request.bearer() or ""
        with self.lock:
            session = self._access.get(token)
        if session is None:
            if not token:
                return self.error(401, "Authentication Required", "AuthenticationRequired")
            return self.error(400, "Token could not be verified", "InvalidToken")
        if session.expires_at <= time.time():
            return self.error(400, "Token has expired", "ExpiredToken")
        return session.did

    def _spend(self, request: Request) -> tuple[dict[str, str], Response | None]:
        limit, window = self.limits
        key = request.bearer() or request.headers.get("x-forwarded-for", "anon")
        now = time.time()
        with self.lock:
            used, reset = self._windows.get(key, [0.0, now + window])
            if now >= reset:
                used, reset = 0.0, now + window
            used += 1
            self._windows[key] = [used, reset]
        headers = {
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(max(0, limit - int(used))),
            "ratelimit-reset": str(int(reset)),
            "ratelimit-policy": f"{limit};w={int(window)}",
        }
        if used > limit:
            body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
            return headers, json_response(body, 429, headers)
        return headers, None

    # --- records and notifications ------------------------------------------------------------

    def _tid(self) -> str:
        with self.lock:
            self._clock_tid += 1 + secrets.randbelow(1000)
            value = self._clock_tid << 10
        out = ""
        for _ in range(13):
            out = _TID_CHARS[value & 31] + out
            value >>= 5
        return out

    def _profile(self, did: str) -> dict[str, Any]:
        account = self.accounts[did]
        return {k: account[k] for k in ("did", "handle", "displayName")}

    def post(
        self,
        handle: str,
        text: str,
        *,
        reply_to: str | None = None,
        quote: str | None = None,
        langs: tuple[str, ...] = ("en",),
    ) -> str:
        """A post by `handle` (created on first use), with mention facets; returns its at-uri."""
        did = self.add_account(handle)
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": iso_millis(datetime.now(UTC)),
            "langs": list(langs),
        }
        facets = build_facets(text, self.find_did)
        if facets:
            record["facets"] = facets
        if reply_to:
            parent = self.records[reply_to]
            parent_ref = {"uri": reply_to, "cid": parent["cid"]}
            root = (parent["value"].get("reply") or {}).get("root") or parent_ref
            record["reply"] = {"root": root, "parent": parent_ref}
        if quote:
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": quote, "cid": self.records[quote]["cid"]},
            }
        return str(self._store(did, POST, record)["uri"])

    def _store(self, did: str, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        uri = f"at://{did}/{collection}/{self._tid()}"
        cid = _cid(record)
        stored = {
            "uri": uri,
            "cid": cid,
            "value": record,
            "did": did,
            "indexedAt": iso_millis(datetime.now(UTC)),
        }
        with self.lock:
            self.records[uri] = stored
        self._notify_for(stored)
        return stored

    def seed(self, post: Post) -> None:
        """A post written before this emulator started (the demo's stored history): kept at
        its own at-uri, by its own DID, at its own time, and notified to nobody."""
        author = post.author
        did = self.add_account(author.handle, display_name=author.name, did=author.native_id)
        record: dict[str, Any] = {
            "$type": POST,
            "text": post.text,
            "createdAt": iso_millis(post.created_at),
            "langs": [post.lang or "en"],
        }
        facets = build_facets(post.text, self.find_did)
        if facets:
            record["facets"] = facets
        with self.lock:
            parent = self.records.get(post.in_reply_to or "")
            if parent is not None:
                parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
                root = (parent["value"].get("reply") or {}).get("root") or parent_ref
                record["reply"] = {"root": root, "parent": parent_ref}
            self.records[post.native_id] = {
                "uri": post.native_id,
                "cid": _cid(record),
                "value": record,
                "did": did,
                "indexedAt": iso_millis(post.created_at),
            }

    def _notify_for(self, stored: dict[str, Any]) -> None:
        record, author = stored["value"], stored["did"]
        collection = stored["uri"].split("/")[3]
        notified: set[str] = set()

        def notify(target: str, reason: str, subject: str | None = None) -> None:
            if target == author or target in notified or target not in self.accounts:
                return
            notified.add(target)
            self._seq += 1
            notification: dict[str, Any] = {
                "uri": stored["uri"],
                "cid": stored["cid"],
                "author": self._profile(author),
                "reason": reason,
                "record": record,
                "isRead": False,
                "indexedAt": stored["indexedAt"],
                "_seq": self._seq,
            }
            if subject:
                notification["reasonSubject"] = subject
            self.notifications[target].append(notification)

        with self.lock:
            if collection == POST:
                parent = (record.get("reply") or {}).get("parent")
                if parent:
                    notify(parent["uri"].split("/")[2], "reply", parent["uri"])
                embedded = ((record.get("embed") or {}).get("record") or {}).get("uri")
                if embedded:
                    notify(embedded.split("/")[2], "quote", embedded)
                for facet in record.get("facets") or ():
                    for feature in facet["features"]:
                        if feature["$type"] == "app.bsky.richtext.facet#mention":
                            notify(feature["did"], "mention")
            elif collection in {"app.bsky.feed.like", "app.bsky.feed.repost"}:
                subject = record["subject"]["uri"]
                notify(subject.split("/")[2], collection.rsplit(".", 1)[-1], subject)
            elif collection == "app.bsky.graph.follow":
                notify(record["subject"], "follow")

    def like(self, handle: str, uri: str) -> str:
        """A like (noise for care)."""
        subject = {"uri": uri, "cid": self.records[uri]["cid"]}
        record = {
            "$type": "app.bsky.feed.like",
            "subject": subject,
            "createdAt": iso_millis(datetime.now(UTC)),
        }
        return str(self._store(self.add_account(handle), "app.bsky.feed.like", record)["uri"])

    def repost(self, handle: str, uri: str) -> str:
        """A repost (noise for care)."""
        subject = {"uri": uri, "cid": self.records[uri]["cid"]}
        record = {
            "$type": "app.bsky.feed.repost",
            "subject": subject,
            "createdAt": iso_millis(datetime.now(UTC)),
        }
        return str(self._store(self.add_account(handle), "app.bsky.feed.repost", record)["uri"])

    def follow(self, handle: str, target: str) -> str:
        """A follow (noise for care)."""
        record = {
            "$type": "app.bsky.graph.follow",
            "subject": self.add_account(target),
            "createdAt": iso_millis(datetime.now(UTC)),
        }
        return str(self._store(self.add_account(handle), "app.bsky.graph.follow", record)["uri"])

    def posts_by(self, handle: str) -> list[dict[str, Any]]:
        """Every post an account wrote (the brand's outbox), oldest first."""
        did = self.find_did(handle)
        with self.lock:
            return [
                {"uri": r["uri"], "cid": r["cid"], "record": r["value"]}
                for r in self.records.values()
                if r["did"] == did and r["uri"].split("/")[3] == POST
            ]

    # --- chat ---------------------------------------------------------------------------------

    def _convo(self, members: list[str]) -> _Convo:
        key = sorted(set(members))
        with self.lock:
            for convo in self.convos.values():
                if sorted(convo.members) == key:
                    return convo
            convo = _Convo(id=secrets.token_hex(8), members=key)
            self.convos[convo.id] = convo
            self._log(key, {"$type": "chat.bsky.convo.defs#logBeginConvo", "convoId": convo.id})
            return convo

    def _log(self, members: list[str], entry: dict[str, Any]) -> None:
        with self.lock:
            self._seq += 1
            entry["rev"] = f"{self._seq:016d}"
            self.chat_log.append((self._seq, list(members), entry))

    def message(self, sender: str, recipient: str, text: str) -> str:
        """A chat message from `sender` to `recipient` (handles); returns the message id."""
        sender_did, recipient_did = self.add_account(sender), self.add_account(recipient)
        convo = self._convo([sender_did, recipient_did])
        return str(self._send(sender_did, convo, {"text": text})["id"])

    def _send(self, sender: str, convo: _Convo, message: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            convo.rev += 1
            view: dict[str, Any] = {
                "$type": "chat.bsky.convo.defs#messageView",
                "id": secrets.token_hex(8),
                "rev": f"{convo.rev:016d}",
                "text": message["text"],
                "sender": {"did": sender},
                "sentAt": iso_millis(datetime.now(UTC)),
            }
            if message.get("facets"):
                view["facets"] = message["facets"]
            convo.messages.append(view)
            self._log(
                convo.members,
                {
                    "$type": "chat.bsky.convo.defs#logCreateMessage",
                    "convoId": convo.id,
                    "message": view,
                    "relatedProfiles": [self._profile(m) for m in convo.members],
                },
            )
        return view

    def messages_by(self, handle: str) -> list[dict[str, Any]]:
        """Every chat message an account sent."""
        did = self.find_did(handle)
        with self.lock:
            return [
                m for c in self.convos.values() for m in c.messages if m["sender"]["did"] == did
            ]

    # --- XRPC dispatch ------------------------------------------------------------------------

    def _query(self, request: Request, nsid: str) -> Response:
        return self._xrpc(request, nsid, None)

    def _procedure(self, request: Request, nsid: str) -> Response:
        return self._xrpc(request, nsid, request.json())

    def _xrpc(self, request: Request, nsid: str, body: Any) -> Response:
        handler = getattr(self, "_m_" + nsid.replace(".", "_"), None)
        if handler is None:
            return self.error(501, f"Method Not Implemented: {nsid}", "MethodNotImplemented")
        if self.lexicons is not None:
            problems = self.lexicons.check_params(nsid, request.query)
            if body is not None:
                problems += self.lexicons.check_input(nsid, body)
            if problems:
                self.note_invalid([f"request {nsid}: {p}" for p in problems])
                return self.error(400, "; ".join(problems))
        if nsid.startswith("chat.bsky.") and request.headers.get("atproto-proxy") != CHAT_PROXY:
            return self.error(400, f"{nsid} must be proxied with atproto-proxy: {CHAT_PROXY}")
        headers, limited = self._spend(request)
        if limited:
            return limited
        response: Response = handler(request, body)
        response.headers.update(headers)
        if self.lexicons is not None and response.status == 200 and response.body:
            self.note_invalid(self.lexicons.check_output(nsid, json.loads(response.body)))
        return response

    def _m_com_atproto_server_createSession(self, request: Request, body: Any) -> Response:
        did = self.find_did(str(body.get("identifier") or ""))
        if did is None or self._passwords.get(did) != body.get("password"):
            return self.error(401, "Invalid identifier or password", "AuthenticationRequired")
        return json_response(self._issue(did))

    def _m_com_atproto_server_refreshSession(self, request: Request, body: Any) -> Response:
        token = request.bearer() or ""
        with self.lock:
            did = self._refresh.pop(token, None)
        if did is None:
            return self.error(400, "Token has expired", "ExpiredToken")
        return json_response(self._issue(did))

    def _m_com_atproto_identity_resolveHandle(self, request: Request, body: Any) -> Response:
        did = self.find_did(request.arg("handle") or "")
        if did is None:
            return self.error(400, "Unable to resolve handle", "HandleNotFound")
        return json_response({"did": did})

    def _m_app_bsky_notification_listNotifications(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        reasons = set(request.args("reasons"))
        limit = int(request.arg("limit") or 50)
        cursor = int(request.arg("cursor") or 0)
        with self.lock:
            found = [
                n
                for n in reversed(self.notifications.get(caller, []))
                if (not reasons or n["reason"] in reasons) and (not cursor or n["_seq"] < cursor)
            ]
        page, rest = found[:limit], found[limit:]
        out: dict[str, Any] = {
            "notifications": [{k: v for k, v in n.items() if not k.startswith("_")} for n in page]
        }
        if rest:
            out["cursor"] = str(page[-1]["_seq"])
        return json_response(out)

    def _m_app_bsky_notification_updateSeen(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        return caller if isinstance(caller, Response) else Response(200)

    def _post_view(self, stored: dict[str, Any]) -> dict[str, Any]:
        return {
            "uri": stored["uri"],
            "cid": stored["cid"],
            "author": self._profile(stored["did"]),
            "record": stored["value"],
            "indexedAt": stored["indexedAt"],
        }

    def _m_app_bsky_feed_searchPosts(self, request: Request, body: Any) -> Response:
        """Posts whose text holds every word, "phrase" and #tag of `q` (case-insensitive),
        filtered by `mentions`, `author`, `tag`, `since` (inclusive) and `until`; latest
        first; `cursor` is an offset into the hits."""
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        query = (request.arg("q") or "").strip()
        pieces = re.findall(r'"([^"]*)"|(\S+)', query)
        wanted = [(phrase or word).lower() for phrase, word in pieces if (phrase or word)]
        if not wanted:
            return self.error(400, "query string is empty", "BadQueryString")
        mentions = self.find_did(request.arg("mentions") or "") if request.arg("mentions") else None
        author = self.find_did(request.arg("author") or "") if request.arg("author") else None
        tags = {t.lower() for t in request.args("tag")}
        since, until = request.arg("since"), request.arg("until")
        limit = int(request.arg("limit") or 25)
        offset = int(request.arg("cursor") or 0)
        with self.lock:
            posts = [r for r in self.records.values() if f"/{POST}/" in r["uri"]]
        hits = [
            r
            for r in posts
            if all(_holds(r["value"]["text"], w) for w in wanted)
            and (mentions is None or mentions in _mentioned(r["value"]))
            and (author is None or r["did"] == author)
            and tags <= _tags(r["value"])
            and (not since or r["indexedAt"] >= since)
            and (not until or r["indexedAt"] < until)
        ]
        hits.sort(key=lambda r: (r["indexedAt"], r["uri"]), reverse=True)
        page = hits[offset : offset + limit]
        out: dict[str, Any] = {
            "posts": [self._post_view(r) for r in page],
            "hitsTotal": len(hits),
        }
        if offset + limit < len(hits):
            out["cursor"] = str(offset + limit)
        return json_response(out)

    def _m_app_bsky_feed_getPosts(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        with self.lock:
            views = [
                self._post_view(self.records[u]) for u in request.args("uris") if u in self.records
            ]
        return json_response({"posts": views})

    def _m_com_atproto_repo_createRecord(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        if body.get("repo") not in {caller, self.accounts[caller]["handle"]}:
            return self.error(400, "repo does not match the session", "InvalidRequest")
        collection, record = str(body["collection"]), body["record"]
        if self.lexicons is not None:
            problems = self.lexicons.check_record(collection, record)
            if problems:
                self.note_invalid([f"record: {p}" for p in problems])
                return self.error(400, "; ".join(problems), "InvalidRecord")
        parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        if parent and parent not in self.records:
            return self.error(400, f"reply parent {parent} not found", "InvalidRequest")
        stored = self._store(caller, collection, record)
        commit = {"cid": _cid(stored), "rev": self._tid()}
        return json_response(
            {
                "uri": stored["uri"],
                "cid": stored["cid"],
                "commit": commit,
                "validationStatus": "valid",
            }
        )

    def _convo_view(self, convo: _Convo) -> dict[str, Any]:
        return {
            "id": convo.id,
            "rev": f"{convo.rev:016d}",
            "members": [self._profile(m) for m in convo.members],
            "muted": False,
            "unreadCount": 0,
        }

    def _m_chat_bsky_convo_getConvoForMembers(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        members = request.args("members")
        if any(m not in self.accounts for m in members):
            return self.error(400, "recipient not found", "RecipientNotFound")
        return json_response({"convo": self._convo_view(self._convo([caller, *members]))})

    def _m_chat_bsky_convo_sendMessage(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        convo = self.convos.get(str(body.get("convoId")))
        if convo is None or caller not in convo.members:
            return self.error(400, "convo not found", "InvalidConvo")
        view = self._send(caller, convo, body["message"])
        return json_response({k: v for k, v in view.items() if k != "$type"})

    def _m_chat_bsky_convo_getLog(self, request: Request, body: Any) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        after = int(request.arg("cursor") or 0)
        with self.lock:
            entries = [
                (seq, e) for seq, members, e in self.chat_log if seq > after and caller in members
            ]
        page = entries[:100]
        out: dict[str, Any] = {"logs": [e for _, e in page]}
        if page:
            out["cursor"] = f"{page[-1][0]:016d}"
        elif request.arg("cursor"):
            out["cursor"] = request.arg("cursor")
        return json_response(out)

    # --- control API --------------------------------------------------------------------------

    def _control_account(self, request: Request) -> Response:
        body = request.json() or {}
        did = self.add_account(str(body["handle"]), password=body.get("password"))
        return json_response({"did": did}, 201)

    def _control_post(self, request: Request) -> Response:
        body = request.json() or {}
        uri = self.post(str(body["author"]), str(body["text"]), reply_to=body.get("reply_to"))
        return json_response({"uri": uri}, 201)

    def _control_message(self, request: Request) -> Response:
        body = request.json() or {}
        message_id = self.message(str(body["sender"]), str(body["recipient"]), str(body["text"]))
        return json_response({"id": message_id}, 201)

    def _control_outbox(self, request: Request) -> Response:
        handle = request.arg("handle") or ""
        return json_response({"posts": self.posts_by(handle), "messages": self.messages_by(handle)})
