"""Mentions and DM polling that back-fills after downtime and never skips a page.

A pass reads pages newest-first. Each page comes back as a batch holding the account with
the resume token of the pass; only the batch of the last page moves the high-water mark.
The caller stores events and account together, so a pass interrupted anywhere (crash,
429, 5xx) resumes where the last stored page ended and loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from atdesk.channels.base import EventKind, IgnoredEvent, PageCursor, ReadBatch
from atdesk.channels.errors import InvalidRequest
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.api import XApi
from atdesk.channels.x.normalize import SOURCE_DM, SOURCE_TWEET, classify_v2_tweet
from atdesk.domain.posts import RawEvent


@dataclass(frozen=True, slots=True)
class XPollConfig:
    """Page sizes, and how far the very first poll of a new account reaches back."""

    mentions_page_size: int = 100
    dm_page_size: int = 100
    first_run_pages: int = 1
    keep_own_posts: bool = False
    search_page_size: int = 100  # recent search takes 10 to 100


def brand_of(account: XAccount) -> dict[str, str]:
    """The part of the account each payload carries so normalising needs nothing else."""
    return {"user_id": account.user_id, "handle": account.account_key}


def tweet_events(
    body: Mapping[str, Any], account: XAccount, *, keep_own: bool
) -> tuple[list[RawEvent], list[IgnoredEvent]]:
    """RawEvents for the tweets of one v2 response (page or stream line)."""
    data = body.get("data") or []
    if isinstance(data, Mapping):
        data = [data]
    includes = body.get("includes") or {}
    events: list[RawEvent] = []
    ignored: list[IgnoredEvent] = []
    for tweet in data:
        kind = classify_v2_tweet(tweet, account.user_id)
        if kind is EventKind.SELF_ECHO and not keep_own:
            ignored.append(IgnoredEvent(kind, str(tweet.get("id")), "written by the brand"))
            continue
        payload = {"tweet": tweet, "includes": includes, "brand": brand_of(account)}
        events.append(RawEvent(source=SOURCE_TWEET, payload=payload))
    return events, ignored


class _FetchPage(Protocol):
    def __call__(self, *, since_id: str | None, next_token: str | None) -> Mapping[str, Any]: ...


def _tweet_pages(
    fetch: _FetchPage, cursor: PageCursor, first_run_pages: int
) -> Iterator[tuple[Mapping[str, Any], PageCursor]]:
    """Pages of one `since_id` pass with the cursor after each; the last has no next token.

    A stored resume token that the API refuses as expired restarts the pass once from the
    high-water mark; a first pass stops after `first_run_pages`.
    """
    first_run = cursor.first_run
    pages = 0
    restarted = False
    while True:
        try:
            body = fetch(since_id=cursor.high_water, next_token=cursor.next_token)
        except InvalidRequest:
            if not cursor.in_progress or restarted:
                raise
            cursor, restarted = cursor.restarted(), True
            continue
        pages += 1
        meta = body.get("meta") or {}
        next_token = meta.get("next_token") or None
        if first_run and pages >= first_run_pages:
            next_token = None
        cursor = cursor.page_read(meta.get("newest_id"), next_token)
        yield body, cursor
        if next_token is None:
            return


def poll_mentions(
    api: XApi, account: XAccount, config: XPollConfig
) -> Iterator[ReadBatch[XAccount]]:
    """One mentions pass: `since_id` = high water, following `next_token` to the end."""

    def fetch(*, since_id: str | None, next_token: str | None) -> Mapping[str, Any]:
        return api.mentions(
            account.user_id,
            since_id=since_id,
            pagination_token=next_token,
            max_results=config.mentions_page_size,
        )

    for body, cursor in _tweet_pages(fetch, account.mentions, config.first_run_pages):
        account = account.with_(mentions=cursor)
        events, ignored = tweet_events(body, account, keep_own=config.keep_own_posts)
        done = cursor.next_token is None
        yield ReadBatch(tuple(events), account, tuple(ignored), complete=done)


def _dm_newer(event_id: str, high_water: str | None) -> bool:
    return high_water is None or int(event_id) > int(high_water)


def poll_dms(api: XApi, account: XAccount, config: XPollConfig) -> Iterator[ReadBatch[XAccount]]:
    """One DM pass: newest first until an event at or below the high-water mark."""
    cursor = account.dms
    first_run = cursor.first_run
    pages = 0
    while True:
        body = api.dm_events(pagination_token=cursor.next_token, max_results=config.dm_page_size)
        pages += 1
        data = body.get("data") or []
        fresh = [e for e in data if _dm_newer(str(e.get("id")), cursor.high_water)]
        reached_old = len(fresh) < len(data)
        newest = max((str(e["id"]) for e in fresh), key=int, default=None)
        next_token = (body.get("meta") or {}).get("next_token")
        if reached_old or (first_run and pages >= config.first_run_pages):
            next_token = None
        cursor = cursor.page_read(newest, next_token)
        account = account.with_(dms=cursor)
        includes = body.get("includes") or {}
        events: list[RawEvent] = []
        ignored: list[IgnoredEvent] = []
        for event in fresh:
            event_id = str(event.get("id"))
            if event.get("event_type", "MessageCreate") != "MessageCreate":
                ignored.append(
                    IgnoredEvent(EventKind.OTHER, event_id, str(event.get("event_type")))
                )
            elif str(event.get("sender_id")) == account.user_id and not config.keep_own_posts:
                ignored.append(IgnoredEvent(EventKind.SELF_ECHO, event_id, "sent by the brand"))
            else:
                payload = {"event": event, "includes": includes, "brand": brand_of(account)}
                events.append(RawEvent(source=SOURCE_DM, payload=payload))
        done = next_token is None
        yield ReadBatch(tuple(events), account, tuple(ignored), complete=done)
        if done:
            return


def poll_searches(
    api: XApi, account: XAccount, config: XPollConfig
) -> Iterator[ReadBatch[XAccount]]:
    """Back-fill of the brand's listening: one recent-search pass per query value.

    Each value keeps its own cursor (`since_id` = its high water, `next_token` to resume);
    cursors of values the brand no longer listens for are dropped. A value's first pass
    reads only its newest page, as the mentions do.
    """
    values = account.listen_values
    kept = {v: c for v, c in account.searches.items() if v in values}
    if kept.keys() != account.searches.keys():
        account = account.with_(searches=kept)
    for value in values:

        def fetch(
            *, since_id: str | None, next_token: str | None, value: str = value
        ) -> Mapping[str, Any]:
            return api.search_recent(
                value,
                since_id=since_id,
                next_token=next_token,
                max_results=config.search_page_size,
            )

        start = account.searches.get(value) or PageCursor()
        for body, cursor in _tweet_pages(fetch, start, config.first_run_pages):
            account = account.with_(searches={**account.searches, value: cursor})
            events, ignored = tweet_events(body, account, keep_own=False)
            yield ReadBatch(tuple(events), account, tuple(ignored), complete=False)
    yield ReadBatch((), account, complete=True)
