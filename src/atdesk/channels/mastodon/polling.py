"""Mention notifications polled forward with `min_id`: each page is safe to store on its own.

`min_id` returns the notifications just after the mark, so the mark can move page by page
without ever skipping one; a pass ends on a short page. The very first poll of an account
only takes the newest page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atdesk.channels.base import EventKind, IgnoredEvent, ReadBatch, malformed_item
from atdesk.channels.errors import SHAPE_ERRORS, MalformedResponse, json_kind, shape_problem
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.api import MastodonApi
from atdesk.channels.mastodon.html import html_to_text
from atdesk.channels.mastodon.normalize import (
    SOURCE_HEARD,
    SOURCE_NOTIFICATION,
    classify_notification,
)
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent

TYPES = ("mention", "update")
SEEDED_MARK = "0"


@dataclass(frozen=True, slots=True)
class MastodonPollConfig:
    """Page size (Mastodon allows up to 80) and whether to keep the brand's own statuses."""

    page_size: int = 40
    keep_own_posts: bool = False


def brand_of(account: MastodonAccount) -> dict[str, str]:
    """What each payload carries about the brand."""
    return {"account_id": account.account_id, "acct": account.account_key}


def notification_events(
    notifications: Sequence[Any], account: MastodonAccount, *, keep_own: bool
) -> tuple[list[RawEvent], list[IgnoredEvent]]:
    """Posts and edits for the pipeline; likes, boosts, follows and echoes set aside."""
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for n, notification in enumerate(notifications):
        if not isinstance(notification, Mapping):
            problem = f"item {n} is {json_kind(notification)}, not an object"
            ignored.append(malformed_item(Network.MASTODON, "notification", problem))
            continue
        try:
            kind = classify_notification(notification, account.account_id)
            native = str((notification.get("status") or {}).get("id") or notification.get("id"))
        except SHAPE_ERRORS as exc:
            native = str(notification.get("id") or "")
            problem = shape_problem(exc)
            ignored.append(malformed_item(Network.MASTODON, "notification", problem, native))
            continue
        if kind in {EventKind.POST, EventKind.EDIT} or (kind is EventKind.SELF_ECHO and keep_own):
            payload = {"notification": dict(notification), "brand": brand_of(account)}
            events.append(RawEvent(SOURCE_NOTIFICATION, payload))
        else:
            ignored.append(IgnoredEvent(kind, native, str(notification.get("type"))))
    return events, ignored


def poll_notifications(
    api: MastodonApi, account: MastodonAccount, config: MastodonPollConfig
) -> Iterator[ReadBatch[MastodonAccount]]:
    """Pages of new mentions and edits since the mark, oldest page first."""
    mark = account.notifications_mark
    while True:
        items, newest = api.notifications(min_id=mark, limit=config.page_size, types=TYPES)
        if not items:
            if mark is None:
                # Nothing yet: from now on every notification is new, so read from the start.
                account = account.with_(notifications_mark=SEEDED_MARK)
            yield ReadBatch((), account, complete=True)
            return
        newest = newest or _first_id(items)
        account = account.with_(notifications_mark=newest)
        events, ignored = notification_events(items, account, keep_own=config.keep_own_posts)
        done = mark is None or len(items) < config.page_size
        yield ReadBatch(tuple(events), account, tuple(ignored), complete=done)
        if done:
            return
        mark = newest


def _first_id(items: Sequence[Any]) -> str:
    """The newest notification's id (the page's first), which the mark moves to."""
    first = items[0]
    if not isinstance(first, Mapping) or not first.get("id"):
        raise MalformedResponse(
            "the newest notification has no id, so the mark cannot move past it",
            network=Network.MASTODON,
        )
    return str(first["id"])


def heard_events(
    statuses: Sequence[Any], account: MastodonAccount
) -> tuple[list[RawEvent], list[IgnoredEvent]]:
    """Public statuses a listening read found, kept when a tracked term really is in them and
    no exclusion is (search matches loosely); the brand's own and private ones set aside."""
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for n, status in enumerate(statuses):
        if not isinstance(status, Mapping) or not status.get("id"):
            problem = f"item {n} is not a status with an id"
            ignored.append(malformed_item(Network.MASTODON, "status", problem))
            continue
        native = str(status["id"])
        try:
            author_id = str((status.get("account") or {}).get("id") or "")
            text = html_to_text(str(status.get("content") or ""), status.get("mentions") or ())
        except SHAPE_ERRORS as exc:
            ignored.append(malformed_item(Network.MASTODON, "status", shape_problem(exc), native))
            continue
        if author_id == account.account_id:
            ignored.append(IgnoredEvent(EventKind.SELF_ECHO, native, "written by the brand"))
        elif status.get("visibility") not in ("public", "unlisted"):
            ignored.append(IgnoredEvent(EventKind.OTHER, native, "not public"))
        elif account.listen.matched_term(text) is None:
            ignored.append(IgnoredEvent(EventKind.OTHER, native, "no tracked term, or excluded"))
        else:
            payload = {"status": dict(status), "brand": brand_of(account)}
            events.append(RawEvent(SOURCE_HEARD, payload))
    return events, ignored


def poll_listening(
    api: MastodonApi, account: MastodonAccount, config: MastodonPollConfig
) -> Iterator[ReadBatch[MastodonAccount]]:
    """The brand's listening (ADR 88): each #hashtag's timeline and each word or phrase's
    status search, forward from its own mark with `min_id`, page by page. A read's first
    pass takes only the newest page; marks of terms no longer tracked are dropped."""
    reads = account.listen_reads
    wanted = {key for key, _ in reads}
    if set(account.heard_marks) - wanted:
        account = account.with_(
            heard_marks={k: v for k, v in account.heard_marks.items() if k in wanted}
        )
    for key, what in reads:
        mark = account.heard_marks.get(key)
        while True:
            if key.startswith("tag:"):
                items, newest = api.tag_timeline(what, min_id=mark, limit=config.page_size)
            else:
                items, newest = api.search_statuses(what, min_id=mark, limit=config.page_size), None
            if not items:
                if mark is None:
                    account = account.with_(heard_marks={**account.heard_marks, key: SEEDED_MARK})
                    yield ReadBatch((), account)
                break
            newest = newest or _first_status_id(items)
            account = account.with_(heard_marks={**account.heard_marks, key: newest})
            events, ignored = heard_events(items, account)
            yield ReadBatch(tuple(events), account, tuple(ignored))
            if mark is None or len(items) < config.page_size:
                break
            mark = newest
    yield ReadBatch((), account, complete=True)


def _first_status_id(items: Sequence[Any]) -> str:
    first = items[0]
    if not isinstance(first, Mapping) or not first.get("id"):
        raise MalformedResponse(
            "the newest status has no id, so the mark cannot move past it",
            network=Network.MASTODON,
        )
    return str(first["id"])
