"""Bluesky reads: notifications newest-first with a cursor, the chat log forward.

Notifications have no "since": a pass pages back until it meets a notification indexed
before the high-water mark, and only the pass's last page moves the mark (ties at the
mark are re-read and deduplicated downstream). The chat log reads forward, so its cursor
moves page by page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from atdesk.channels.base import EventKind, IgnoredEvent, PageCursor, ReadBatch, malformed_item
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.api import BlueskyApi
from atdesk.channels.bluesky.normalize import (
    SOURCE_CHAT,
    SOURCE_CHAT_DELETE,
    SOURCE_NOTIFICATION,
    SOURCE_SEARCH,
    classify_notification,
)
from atdesk.channels.errors import (
    SHAPE_ERRORS,
    MalformedResponse,
    json_kind,
    shape_problem,
)
from atdesk.channels.timeparse import parse_iso
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent

REASONS = ("mention", "reply", "quote")


@dataclass(frozen=True, slots=True)
class BlueskyPollConfig:
    """Page size, how far a first poll reaches back, whether to keep the brand's own posts."""

    page_size: int = 50
    first_run_pages: int = 1
    keep_own_posts: bool = False
    read_chat: bool = True


def brand_of(account: BlueskyAccount) -> dict[str, str]:
    """What each payload carries about the brand."""
    return {"did": account.did or "", "handle": account.account_key}


def _at(value: Any) -> datetime:
    return parse_iso(value, "indexedAt")


def _listed(body: Mapping[str, Any], key: str) -> list[Any]:
    """The list an answer holds under key (empty when absent); anything else is malformed."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problem = f"{key} is {json_kind(value)}, not a list"
        raise MalformedResponse(problem, network=Network.BLUESKY)
    return value


def _dated(
    items: list[Any], ignored: list[IgnoredEvent]
) -> list[tuple[datetime, Mapping[str, Any]]]:
    """Notifications with their indexedAt; one that is no object or has no readable time is
    set aside (it cannot be placed against the mark)."""
    dated: list[tuple[datetime, Mapping[str, Any]]] = []
    for n, item in enumerate(items):
        if not isinstance(item, Mapping):
            problem = f"item {n} is {json_kind(item)}, not an object"
            ignored.append(malformed_item(Network.BLUESKY, "notification", problem))
            continue
        try:
            dated.append((_at(item.get("indexedAt")), item))
        except ValueError as exc:
            native = str(item.get("uri") or "")
            ignored.append(malformed_item(Network.BLUESKY, "notification", str(exc), native))
    return dated


def notification_events(
    notifications: list[Mapping[str, Any]], account: BlueskyAccount, *, keep_own: bool
) -> tuple[list[RawEvent], list[IgnoredEvent]]:
    """Mentions, replies and quotes for the pipeline; likes, reposts, follows set aside."""
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for notification in notifications:
        try:
            kind = classify_notification(notification, account.did)
        except SHAPE_ERRORS as exc:
            native = str(notification.get("uri") or "")
            problem = shape_problem(exc)
            ignored.append(malformed_item(Network.BLUESKY, "notification", problem, native))
            continue
        if kind is EventKind.POST or (kind is EventKind.SELF_ECHO and keep_own):
            payload = {"notification": dict(notification), "brand": brand_of(account)}
            events.append(RawEvent(SOURCE_NOTIFICATION, payload))
        else:
            ignored.append(
                IgnoredEvent(kind, str(notification.get("uri")), str(notification.get("reason")))
            )
    return events, ignored


def poll_notifications(
    api: BlueskyApi, account: BlueskyAccount, config: BlueskyPollConfig
) -> Iterator[ReadBatch[BlueskyAccount]]:
    """One notifications pass; persist each batch before asking for the next."""
    cursor = account.notifications
    first_run = cursor.first_run
    mark = _at(cursor.high_water) if cursor.high_water else None
    pages = 0
    while True:
        body = api.list_notifications(
            cursor=cursor.next_token, limit=config.page_size, reasons=REASONS
        )
        pages += 1
        items = _listed(body, "notifications")
        set_aside: list[IgnoredEvent] = []
        dated = _dated(items, set_aside)
        fresh = [(at, n) for at, n in dated if mark is None or at >= mark]
        newest = str(max(fresh, key=lambda pair: pair[0])[1]["indexedAt"]) if fresh else None
        next_token = body.get("cursor") if len(fresh) == len(dated) and items else None
        if first_run and pages >= config.first_run_pages:
            next_token = None
        cursor = cursor.page_read(newest, str(next_token) if next_token else None)
        account = account.with_(notifications=cursor)
        events, ignored = notification_events(
            [n for _, n in fresh], account, keep_own=config.keep_own_posts
        )
        ignored = set_aside + ignored
        done = next_token is None
        yield ReadBatch(tuple(events), account, tuple(ignored), complete=done)
        if done:
            return


def chat_events(
    logs: list[Any], account: BlueskyAccount, *, keep_own: bool
) -> tuple[list[RawEvent], list[IgnoredEvent]]:
    """Messages and deletions; conversation bookkeeping and the brand's own messages aside."""
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for n, entry in enumerate(logs):
        if not isinstance(entry, Mapping):
            problem = f"item {n} is {json_kind(entry)}, not an object"
            ignored.append(malformed_item(Network.BLUESKY, "chat log entry", problem))
            continue
        try:
            kind = str(entry.get("$type", "")).rsplit("#", 1)[-1]
            message = entry.get("message") or {}
            sender = str((message.get("sender") or {}).get("did") or "")
            native = str(message.get("id") or entry.get("rev") or "")
            has_text = "text" in message
        except SHAPE_ERRORS as exc:
            native = str(entry.get("rev") or "")
            problem = shape_problem(exc)
            ignored.append(malformed_item(Network.BLUESKY, "chat log entry", problem, native))
            continue
        payload = {"log": dict(entry), "brand": brand_of(account)}
        if kind == "logCreateMessage" and has_text:
            if sender == account.did and not keep_own:
                ignored.append(IgnoredEvent(EventKind.SELF_ECHO, native, "sent by the brand"))
            else:
                events.append(RawEvent(SOURCE_CHAT, payload))
        elif kind == "logDeleteMessage":
            events.append(RawEvent(SOURCE_CHAT_DELETE, payload))
        else:
            ignored.append(IgnoredEvent(EventKind.OTHER, native, kind))
    return events, ignored


def poll_chat(
    api: BlueskyApi, account: BlueskyAccount, config: BlueskyPollConfig
) -> Iterator[ReadBatch[BlueskyAccount]]:
    """The chat log since the cursor, page by page (each page safe to store on its own)."""
    while True:
        body = api.chat_log(account.chat_cursor)
        logs = _listed(body, "logs")
        new_cursor = body.get("cursor")
        moved = bool(new_cursor) and new_cursor != account.chat_cursor
        if moved:
            account = account.with_(chat_cursor=str(new_cursor))
        events, ignored = chat_events(logs, account, keep_own=config.keep_own_posts)
        done = not logs or not moved
        yield ReadBatch(tuple(events), account, tuple(ignored), complete=done)
        if done:
            return


def search_events(
    views: list[Mapping[str, Any]], account: BlueskyAccount
) -> tuple[list[RawEvent], list[IgnoredEvent]]:
    """Posts searchPosts found, kept when a tracked term (or the executive's mention) really is
    in them and no exclusion is; the brand's own posts set aside."""
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    executives = {f"@{h}" for h in account.listen.executives}
    for view in views:
        native = str(view.get("uri") or "")
        try:
            author = str((view.get("author") or {}).get("did") or "")
            text = str((view.get("record") or {}).get("text") or "")
        except SHAPE_ERRORS as exc:
            ignored.append(malformed_item(Network.BLUESKY, "post", shape_problem(exc), native))
            continue
        lowered = text.lower()
        aimed = any(h in lowered for h in executives) and not account.listen.excluded(text)
        if account.did and author == account.did:
            ignored.append(IgnoredEvent(EventKind.SELF_ECHO, native, "written by the brand"))
        elif not aimed and account.listen.matched_term(text) is None:
            ignored.append(IgnoredEvent(EventKind.OTHER, native, "no tracked term, or excluded"))
        else:
            payload = {"post": dict(view), "brand": brand_of(account)}
            events.append(RawEvent(SOURCE_SEARCH, payload))
    return events, ignored


def poll_searches(
    api: BlueskyApi, account: BlueskyAccount, config: BlueskyPollConfig
) -> Iterator[ReadBatch[BlueskyAccount]]:
    """The brand's listening (ADR 88): one searchPosts pass per query, latest first, back
    to the query's high-water mark (`since`, inclusive; repeats are deduplicated
    downstream), following `cursor`; only a pass's last page moves the mark."""
    queries = account.listen_queries
    wanted = {q for q, _ in queries}
    if set(account.searches) - wanted:
        account = account.with_(searches={q: c for q, c in account.searches.items() if q in wanted})
    for query, mentions in queries:
        cursor = account.searches.get(query) or PageCursor()
        first_run = cursor.first_run
        mark = _at(cursor.high_water) if cursor.high_water else None
        pages = 0
        while True:
            body = api.search_posts(
                query,
                mentions=mentions,
                since=cursor.high_water,
                cursor=cursor.next_token,
                limit=config.page_size,
            )
            pages += 1
            set_aside: list[IgnoredEvent] = []
            dated = _dated(_listed(body, "posts"), set_aside)
            fresh = [(at, p) for at, p in dated if mark is None or at >= mark]
            newest = str(max(fresh, key=lambda pair: pair[0])[1]["indexedAt"]) if fresh else None
            next_token = body.get("cursor") if fresh and len(fresh) == len(dated) else None
            if first_run and pages >= config.first_run_pages:
                next_token = None
            cursor = cursor.page_read(newest, str(next_token) if next_token else None)
            account = account.with_(searches={**account.searches, query: cursor})
            events, ignored = search_events([p for _, p in fresh], account)
            yield ReadBatch(tuple(events), account, tuple(set_aside + ignored))
            if next_token is None:
                break
    yield ReadBatch((), account, complete=True)
