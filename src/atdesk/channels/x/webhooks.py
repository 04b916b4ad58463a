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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from atdesk.channels.base import EventKind, IgnoredEvent
from atdesk.channels.errors import WebhookRejected
from atdesk.channels.x.normalize import (
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


def parse_activity(
    payload: Mapping[str, Any], *, brand_handle: str | None = None, keep_own: bool = False
) -> ActivityBatch:
    """Split one Account Activity payload into posts, DMs, deletions and ignored events."""
    for_user_id = str(payload.get("for_user_id") or "")
    if not for_user_id:
        raise WebhookRejected("delivery has no for_user_id", network=Network.X, status=400)
    brand = _brand(for_user_id, brand_handle)
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for tweet in payload.get("tweet_create_events") or ():
        kind = classify_v1_tweet(tweet, for_user_id)
        tweet_id = str(tweet.get("id_str") or tweet.get("id"))
        if kind is EventKind.SELF_ECHO and not keep_own:
            ignored.append(IgnoredEvent(kind, tweet_id, "written by the brand"))
        else:
            events.append(RawEvent(SOURCE_AA_TWEET, {"tweet": tweet, "brand": brand}))
    users = payload.get("users") or {}
    for event in payload.get("direct_message_events") or ():
        event_id = str(event.get("id"))
        if event.get("type") != "message_create":
            ignored.append(IgnoredEvent(EventKind.OTHER, event_id, str(event.get("type"))))
            continue
        sender = str((event.get("message_create") or {}).get("sender_id"))
        if sender == for_user_id and not keep_own:
            ignored.append(IgnoredEvent(EventKind.SELF_ECHO, event_id, "sent by the brand"))
            continue
        events.append(RawEvent(SOURCE_AA_DM, {"event": event, "users": users, "brand": brand}))
    for event in payload.get("tweet_delete_events") or ():
        events.append(RawEvent(SOURCE_AA_DELETE, {"event": event, "brand": brand}))
    for event in payload.get("favorite_events") or ():
        ignored.append(IgnoredEvent(EventKind.LIKE, str(event.get("id")), "a like"))
    for event in payload.get("follow_events") or ():
        target = str(((event.get("target") or {}).get("id")) or "")
        ignored.append(IgnoredEvent(EventKind.FOLLOW, target, str(event.get("type") or "follow")))
    for key in payload:
        if (key.endswith("_events") and key not in _HANDLED) or key == "user_event":
            ignored.append(IgnoredEvent(EventKind.OTHER, "", key))
    return ActivityBatch(for_user_id, tuple(events), tuple(ignored))


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
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("body is not JSON", network=Network.X, status=400) from None
    if not isinstance(payload, dict):
        raise WebhookRejected("body is not a JSON object", network=Network.X, status=400)
    return parse_activity(payload, brand_handle=brand_handle, keep_own=keep_own)
