"""Account Activity webhooks: the CRC answer, the signature check, and the v1.1 payloads.

Pure functions: the web route (`/webhooks/x`) calls `crc_response` for GET and
`read_delivery` for POST, answers `WebhookRejected.status` when it raises, and publishes
the events it returns. Self-authored events (the brand's own tweets and DMs, which X
delivers too) and likes/follows are returned as `ignored`, never as posts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from atdesk.channels.base import EventKind, IgnoredEvent
from atdesk.channels.errors import (
    SHAPE_ERRORS,
    MalformedDelivery,
    MalformedEvent,
    WebhookRejected,
    json_kind,
    shape_problem,
)
from atdesk.channels.x.normalize import (
    NORMALIZERS,
    SOURCE_AA_DELETE,
    SOURCE_AA_DM,
    SOURCE_AA_TWEET,
    classify_v1_tweet,
)
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


class SignatureRejected(WebhookRejected):
    """Missing (401) or wrong (403) signature; `status` is what the route answers."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, network=Network.X, status=status)


def _sign(consumer_secret: str, message: bytes) -> str:
    digest = hmac.new(consumer_secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The JSON answer to X's challenge: HMAC-SHA256 of the token keyed by the consumer secret."""
    return {"response_token": _sign(consumer_secret, crc_token.encode("utf-8"))}


def signature_of(consumer_secret: str, raw_body: bytes) -> str:
    """The `x-twitter-webhooks-signature` X sends for this body (used by the emulator too)."""
    return _sign(consumer_secret, raw_body)


def verify_signature(consumer_secret: str, raw_body: bytes, header: str | None) -> bool:
    """True only for the exact signature of the raw bytes; compared in constant time."""
    if not header or not consumer_secret:
        return False
    expected = signature_of(consumer_secret, raw_body).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("ascii", "replace"))


@dataclass(frozen=True, slots=True)
class ActivityBatch:
    """What one delivery holds: events for the pipeline and the events deliberately dropped."""

    for_user_id: str
    events: tuple[RawEvent, ...] = ()
    ignored: tuple[IgnoredEvent, ...] = field(default_factory=tuple)


def _brand(for_user_id: str, handle: str | None) -> dict[str, str]:
    brand = {"user_id": for_user_id}
    if handle:
        brand["handle"] = handle
    return brand


def _malformed(message: str) -> MalformedDelivery:
    """A 400 for a verified delivery X would never send: the route stores nothing of it."""
    return MalformedDelivery(message, network=Network.X, status=400)


def delivery_user_id(payload: Mapping[str, Any]) -> str:
    """The brand's user id the delivery is for: digits, as a string or a number."""
    value = payload.get("for_user_id")
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        found = "nothing" if value in (None, "") else json_kind(value)
        raise _malformed(f"for_user_id must be a user id (digits), not {found}")
    return str(value).strip()


def _objects(payload: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The list of objects under key (none when absent), or a 400 that says what is wrong."""
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _malformed(f"{key} must be a list of objects, not {json_kind(value)}")
    for n, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise _malformed(f"{key}[{n}] must be an object, not {json_kind(item)}")
    return value


@contextmanager
def _event_at(where: str) -> Iterator[None]:
    """Any trouble reading one event becomes a 400 that names the event (X's field path)."""
    try:
        yield
    except MalformedDelivery:
        raise
    except MalformedEvent as exc:
        raise _malformed(f"{where}: {exc}") from None
    except ValueError as exc:
        raise _malformed(f"{where}: a field has a wrong value ({exc})") from None
    except SHAPE_ERRORS as exc:
        raise _malformed(f"{where}: {shape_problem(exc)}") from None


def _checked(source: str, payload: dict[str, Any]) -> RawEvent:
    """The event, once its payload normalises: a post the pipeline can store."""
    NORMALIZERS[source](payload)
    return RawEvent(source, payload)


def parse_activity(
    payload: Mapping[str, Any], *, brand_handle: str | None = None, keep_own: bool = False
) -> ActivityBatch:
    """Split one Account Activity payload into posts, DMs, deletions and ignored events.

    A payload of the wrong shape (a list or a string where X sends objects, events missing
    what a post needs) raises MalformedDelivery naming the first bad event, so the route
    answers 400 and stores nothing of the delivery.
    """
    try:
        return _parse_activity(payload, brand_handle=brand_handle, keep_own=keep_own)
    except SHAPE_ERRORS as exc:
        raise _malformed(f"delivery has the wrong shape: {shape_problem(exc)}") from None


def _parse_activity(
    payload: Mapping[str, Any], *, brand_handle: str | None, keep_own: bool
) -> ActivityBatch:
    for_user_id = delivery_user_id(payload)
    brand = _brand(for_user_id, brand_handle)
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for n, tweet in enumerate(_objects(payload, "tweet_create_events")):
        with _event_at(f"tweet_create_events[{n}]"):
            _sort(_tweet_event(tweet, n, brand, keep_own), events, ignored)
    users = payload.get("users") or {}
    if not isinstance(users, Mapping):
        raise _malformed(f"users must be an object keyed by user id, not {json_kind(users)}")
    for n, event in enumerate(_objects(payload, "direct_message_events")):
        with _event_at(f"direct_message_events[{n}]"):
            _sort(_dm_event(event, n, brand, users, keep_own), events, ignored)
    for n, event in enumerate(_objects(payload, "tweet_delete_events")):
        with _event_at(f"tweet_delete_events[{n}]"):
            events.append(_checked(SOURCE_AA_DELETE, {"event": event, "brand": brand}))
    for event in _objects(payload, "favorite_events"):
        ignored.append(IgnoredEvent(EventKind.LIKE, str(event.get("id")), "a like"))
    for event in _objects(payload, "follow_events"):
        target = event.get("target")
        target_id = str(target.get("id") or "") if isinstance(target, Mapping) else ""
        ignored.append(
            IgnoredEvent(EventKind.FOLLOW, target_id, str(event.get("type") or "follow"))
        )
    for key in payload:
        if (key.endswith("_events") and key not in _HANDLED) or key == "user_event":
            ignored.append(IgnoredEvent(EventKind.OTHER, "", key))
    return ActivityBatch(for_user_id, tuple(events), tuple(ignored))


def _sort(
    item: RawEvent | IgnoredEvent, events: list[RawEvent], ignored: list[IgnoredEvent]
) -> None:
    """Put one read item with the events for the pipeline or with the ignored ones."""
    if isinstance(item, RawEvent):
        events.append(item)
    else:
        ignored.append(item)


def _tweet_event(
    tweet: Mapping[str, Any], n: int, brand: dict[str, str], keep_own: bool
) -> RawEvent | IgnoredEvent:
    """One of tweet_create_events: a post for the pipeline, or the brand's own echo."""
    user = tweet.get("user")
    if not isinstance(user, Mapping):
        raise _malformed(f"tweet_create_events[{n}].user must be an object, not {json_kind(user)}")
    kind = classify_v1_tweet(tweet, brand["user_id"])
    if kind is EventKind.SELF_ECHO and not keep_own:
        return IgnoredEvent(
            kind, str(tweet.get("id_str") or tweet.get("id")), "written by the brand"
        )
    return _checked(SOURCE_AA_TWEET, {"tweet": tweet, "brand": brand})


def _dm_event(
    event: Mapping[str, Any],
    n: int,
    brand: dict[str, str],
    users: Mapping[str, Any],
    keep_own: bool,
) -> RawEvent | IgnoredEvent:
    """One of direct_message_events: a message for the pipeline, or set aside."""
    event_id = str(event.get("id"))
    if event.get("type") != "message_create":
        return IgnoredEvent(EventKind.OTHER, event_id, str(event.get("type")))
    create = event.get("message_create")
    if not isinstance(create, Mapping):
        where = f"direct_message_events[{n}].message_create"
        raise _malformed(f"{where} must be an object, not {json_kind(create)}")
    if str(create.get("sender_id")) == brand["user_id"] and not keep_own:
        return IgnoredEvent(EventKind.SELF_ECHO, event_id, "sent by the brand")
    return _checked(SOURCE_AA_DM, {"event": event, "users": users, "brand": brand})


_HANDLED = frozenset(
    {
        "tweet_create_events",
        "direct_message_events",
        "tweet_delete_events",
        "favorite_events",
        "follow_events",
    }
)


def read_delivery(
    consumer_secret: str,
    raw_body: bytes,
    signature_header: str | None,
    *,
    brand_handle: str | None = None,
    keep_own: bool = False,
) -> ActivityBatch:
    """Verify a POST to the webhook over its raw bytes, then parse it.

    Raises SignatureRejected (401 when the header is missing, 403 when it is wrong) before
    the body is even parsed, so a forged delivery stores nothing.
    """
    if not signature_header:
        raise SignatureRejected(f"missing {SIGNATURE_HEADER} header", status=401)
    if not verify_signature(consumer_secret, raw_body, signature_header):
        raise SignatureRejected("signature does not match the body", status=403)
    return parse_activity(delivery_payload(raw_body), brand_handle=brand_handle, keep_own=keep_own)


def delivery_payload(raw_body: bytes) -> dict[str, Any]:
    """The delivery's JSON object, or MalformedDelivery (400) saying why it is not one."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise _malformed("body is not JSON") from None
    if not isinstance(payload, dict):
        raise _malformed(f"body must be a JSON object, not {json_kind(payload)}")
    return payload
