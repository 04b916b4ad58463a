"""Mastodon notifications, statuses and deletions as the one Post shape.

Payloads carry the brand (`brand`: account_id, acct) so the brand's own statuses come out
with inbound=False and posts addressed to it name it in `to_handle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.base import EventKind
from atdesk.channels.errors import MalformedEvent
from atdesk.channels.mastodon.html import html_to_text
from atdesk.channels.timeparse import parse_iso
from atdesk.domain.handles import handle_key
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post

SOURCE_NOTIFICATION = "mastodon.notification"
SOURCE_STATUS = "mastodon.status"
SOURCE_DELETE = "mastodon.delete"
SOURCE_HEARD = "mastodon.heard"  # a public status found by listening (tag timeline, search)

MASTODON = Network.MASTODON

NOISE = {
    "favourite": EventKind.LIKE,
    "reblog": EventKind.REPOST,
    "follow": EventKind.FOLLOW,
    "follow_request": EventKind.FOLLOW,
}


def _brand(payload: Mapping[str, Any]) -> tuple[str | None, str | None]:
    brand = payload.get("brand") or {}
    account_id, acct = brand.get("account_id"), brand.get("acct")
    return (str(account_id) if account_id else None, str(acct) if acct else None)


def classify_notification(notification: Mapping[str, Any], brand_id: str | None) -> EventKind:
    """What a notification means for care."""
    kind = str(notification.get("type"))
    if kind in NOISE:
        return NOISE[kind]
    status = notification.get("status") or {}
    author = str((status.get("account") or {}).get("id") or "")
    if kind in {"mention", "update"} and brand_id and author == brand_id:
        return EventKind.SELF_ECHO
    if kind == "mention":
        return EventKind.POST
    if kind == "update":
        return EventKind.EDIT
    return EventKind.OTHER


def author_of(account: Mapping[str, Any]) -> Author:
    """A Mastodon account; the handle is the acct (`user` local, `user@domain` remote)."""
    account_id = account.get("id")
    if not account_id:
        raise MalformedEvent("status has no account id")
    return Author(
        network=MASTODON,
        native_id=str(account_id),
        handle=str(account.get("acct") or account.get("username") or account_id),
        name=str(account.get("display_name") or ""),
        followers=int(account.get("followers_count") or 0),
        verified=False,
    )


def _addressed(status: Mapping[str, Any], brand_id: str | None, brand_acct: str | None) -> bool:
    for mention in status.get("mentions") or ():
        if brand_id and str(mention.get("id")) == brand_id:
            return True
        if brand_acct and handle_key(str(mention.get("acct") or "")) == handle_key(brand_acct):
            return True
    return bool(brand_id and str(status.get("in_reply_to_account_id")) == brand_id)


def status_to_post(
    status: Mapping[str, Any], payload: Mapping[str, Any], *, edited: bool = False
) -> Post:
    """One status as a Post; `direct` visibility is a private message."""
    if not status.get("id"):
        raise MalformedEvent("status has no id")
    brand_id, brand_acct = _brand(payload)
    author = author_of(status.get("account") or {})
    text = html_to_text(str(status.get("content") or ""), status.get("mentions") or ())
    spoiler = str(status.get("spoiler_text") or "").strip()
    if spoiler:
        text = f"{spoiler}\n\n{text}"
    own = brand_id is not None and author.native_id == brand_id
    reply_to = status.get("in_reply_to_id")
    media = tuple(
        str(m.get("url") or m.get("remote_url"))
        for m in status.get("media_attachments") or ()
        if m.get("url") or m.get("remote_url")
    )
    return Post(
        network=MASTODON,
        native_id=str(status["id"]),
        text=text,
        created_at=parse_iso(status.get("created_at")),
        author=author,
        in_reply_to=str(reply_to) if reply_to else None,
        to_handle=brand_acct if not own and _addressed(status, brand_id, brand_acct) else None,
        direct=status.get("visibility") == "direct",
        media=media,
        lang=str(status["language"]) if status.get("language") else None,
        inbound=False if own else None,
        edited=edited,
        raw=dict(payload),
    )


def normalize_notification(payload: dict[str, Any]) -> Post:
    """A `mention` (a new post or DM) or `update` (an edit) notification."""
    notification = payload.get("notification")
    if not isinstance(notification, Mapping) or not notification.get("status"):
        raise MalformedEvent("mastodon.notification payload has no notification with a status")
    edited = notification.get("type") == "update"
    return status_to_post(notification["status"], payload, edited=edited)


def normalize_status(payload: dict[str, Any]) -> Post:
    """A `status.update` from the stream: the edited status."""
    status = payload.get("status")
    if not isinstance(status, Mapping):
        raise MalformedEvent("mastodon.status payload has no status")
    return status_to_post(status, payload, edited=True)


def normalize_heard(payload: dict[str, Any]) -> Post:
    """A public status a listening read found: {status, brand}."""
    status = payload.get("status")
    if not isinstance(status, Mapping):
        raise MalformedEvent("mastodon.heard payload has no status")
    return status_to_post(status, payload, edited=False)


def normalize_delete(payload: dict[str, Any]) -> Post:
    """A `delete` from the stream (the data is the bare status id)."""
    status_id = payload.get("id")
    if not status_id:
        raise MalformedEvent("mastodon.delete payload has no id")
    received = payload.get("received_at")
    at = parse_iso(received) if received else datetime.now(UTC)
    return Post(
        network=MASTODON,
        native_id=str(status_id),
        text="",
        created_at=at,
        author=Author(MASTODON, "", ""),
        deleted=True,
        raw=dict(payload),
    )


NORMALIZERS = {
    SOURCE_NOTIFICATION: normalize_notification,
    SOURCE_STATUS: normalize_status,
    SOURCE_DELETE: normalize_delete,
    SOURCE_HEARD: normalize_heard,
}
