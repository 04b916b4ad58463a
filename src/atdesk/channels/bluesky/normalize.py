"""Bluesky notifications and chat messages as the one Post shape.

A post's native id is its at-uri. Payloads carry the brand (`brand`: did, handle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from atdesk.channels.base import EventKind
from atdesk.channels.errors import MalformedEvent
from atdesk.channels.timeparse import parse_iso
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post

SOURCE_NOTIFICATION = "bluesky.notification"
SOURCE_CHAT = "bluesky.chat"
SOURCE_CHAT_DELETE = "bluesky.chat.delete"
SOURCE_SEARCH = "bluesky.search"  # a post found by the brand's listening (searchPosts)

BLUESKY = Network.BLUESKY
POST_REASONS = frozenset({"mention", "reply", "quote"})
NOISE = {
    "like": EventKind.LIKE,
    "like-via-repost": EventKind.LIKE,
    "repost": EventKind.REPOST,
    "repost-via-repost": EventKind.REPOST,
    "follow": EventKind.FOLLOW,
    "starterpack-joined": EventKind.FOLLOW,
}
CDN = "https://cdn.bsky.app/img/feed_fullsize/plain"


def _brand(payload: Mapping[str, Any]) -> tuple[str | None, str | None]:
    brand = payload.get("brand") or {}
    did, handle = brand.get("did"), brand.get("handle")
    return (str(did) if did else None, str(handle) if handle else None)


def classify_notification(notification: Mapping[str, Any], brand_did: str | None) -> EventKind:
    """What a notification means for care."""
    reason = str(notification.get("reason"))
    if reason in NOISE:
        return NOISE[reason]
    if reason not in POST_REASONS:
        return EventKind.OTHER
    author = str((notification.get("author") or {}).get("did") or "")
    return EventKind.SELF_ECHO if brand_did and author == brand_did else EventKind.POST


def profile_author(profile: Mapping[str, Any]) -> Author:
    """A profileView; the handle is what people type, the DID what never changes."""
    did = profile.get("did")
    if not did:
        raise MalformedEvent("profile has no did")
    return Author(
        network=BLUESKY,
        native_id=str(did),
        handle=str(profile.get("handle") or did),
        name=str(profile.get("displayName") or ""),
        followers=int(profile.get("followersCount") or 0),
        verified=bool((profile.get("verification") or {}).get("verifiedStatus") == "valid"),
    )


def _images(record: Mapping[str, Any], did: str) -> tuple[str, ...]:
    embed = record.get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    urls = []
    for image in embed.get("images") or ():
        link = ((image.get("image") or {}).get("ref") or {}).get("$link")
        if link:
            urls.append(f"{CDN}/{did}/{link}@jpeg")
    return tuple(urls)


def _mentions_did(record: Mapping[str, Any], did: str) -> bool:
    for facet in record.get("facets") or ():
        for feature in facet.get("features") or ():
            if (
                feature.get("$type") == "app.bsky.richtext.facet#mention"
                and feature.get("did") == did
            ):
                return True
    return False


def normalize_notification(payload: dict[str, Any]) -> Post:
    """A mention, reply or quote notification: {notification, brand}."""
    notification = payload.get("notification")
    if not isinstance(notification, Mapping):
        raise MalformedEvent("bluesky.notification payload has no notification")
    uri = notification.get("uri")
    record = notification.get("record") or {}
    if not uri or not isinstance(record, Mapping):
        raise MalformedEvent("notification has no uri or record")
    brand_did, brand_handle = _brand(payload)
    author = profile_author(notification.get("author") or {})
    own = brand_did is not None and author.native_id == brand_did
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    subject = str(notification.get("reasonSubject") or "")
    addressed = bool(brand_did) and (
        _mentions_did(record, str(brand_did)) or subject.startswith(f"at://{brand_did}/")
    )
    langs = record.get("langs") or []
    return Post(
        network=BLUESKY,
        native_id=str(uri),
        text=str(record.get("text") or ""),
        created_at=parse_iso(record.get("createdAt") or notification.get("indexedAt")),
        author=author,
        in_reply_to=str(parent) if parent else None,
        to_handle=brand_handle if addressed and not own else None,
        media=_images(record, author.native_id),
        lang=str(langs[0]) if langs else None,
        inbound=False if own else None,
        raw=dict(payload),
    )


def normalize_search(payload: dict[str, Any]) -> Post:
    """A post view searchPosts found: {post, brand}; read like a notification of it."""
    view = payload.get("post")
    if not isinstance(view, Mapping):
        raise MalformedEvent("bluesky.search payload has no post")
    as_notification = {k: view.get(k) for k in ("uri", "cid", "author", "record", "indexedAt")}
    post = normalize_notification({**payload, "notification": as_notification})
    return replace(post, raw=dict(payload))


def _sender(log: Mapping[str, Any], sender_did: str) -> Author:
    for profile in log.get("relatedProfiles") or ():
        if profile.get("did") == sender_did:
            return profile_author(profile)
    return Author(BLUESKY, sender_did, sender_did)


def normalize_chat(payload: dict[str, Any]) -> Post:
    """A `logCreateMessage` from the chat log: {log, brand}."""
    log = payload.get("log")
    if not isinstance(log, Mapping):
        raise MalformedEvent("bluesky.chat payload has no log entry")
    message = log.get("message") or {}
    sender = str((message.get("sender") or {}).get("did") or "")
    if not message.get("id") or not sender:
        raise MalformedEvent("chat message has no id or sender")
    brand_did, brand_handle = _brand(payload)
    own = brand_did is not None and sender == brand_did
    return Post(
        network=BLUESKY,
        native_id=str(message["id"]),
        text=str(message.get("text") or ""),
        created_at=parse_iso(message.get("sentAt"), "sentAt"),
        author=_sender(log, sender),
        to_handle=None if own else brand_handle,
        direct=True,
        inbound=False if own else None,
        thread_key=str(log.get("convoId") or "") or None,
        raw=dict(payload),
    )


def normalize_chat_delete(payload: dict[str, Any]) -> Post:
    """A `logDeleteMessage`: the stored message is marked deleted."""
    log = payload.get("log")
    if not isinstance(log, Mapping):
        raise MalformedEvent("bluesky.chat.delete payload has no log entry")
    message = log.get("message") or {}
    sender = str((message.get("sender") or {}).get("did") or "")
    return Post(
        network=BLUESKY,
        native_id=str(message.get("id") or ""),
        text="",
        created_at=parse_iso(message.get("sentAt"), "sentAt"),
        author=Author(BLUESKY, sender, sender),
        direct=True,
        deleted=True,
        thread_key=str(log.get("convoId") or "") or None,
        raw=dict(payload),
    )


NORMALIZERS = {
    SOURCE_NOTIFICATION: normalize_notification,
    SOURCE_CHAT: normalize_chat,
    SOURCE_CHAT_DELETE: normalize_chat_delete,
    SOURCE_SEARCH: normalize_search,
}
