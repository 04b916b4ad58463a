"""Live updates by server-sent events: new posts and changes appear without a reload.

The audit trail is the change feed: every change to a case writes an audit event in the
same transaction, so the newest audit id says whether anything changed, on any process and
either database. One small query per second per web process (shared by every open page)
finds it; each stream then tells its page which cases changed, and the page fetches the
rows or thread it shows. Streams end after a few minutes and the browser reconnects, which
keeps proxies and server restarts simple.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from atdesk.accounts.access import NotVisible, visible_brand_ids
from atdesk.accounts.deps import session_id_of
from atdesk.accounts.sessions import session_user
from atdesk.accounts.teams import touch
from atdesk.cases.access import visible_case
from atdesk.cases.presence import viewers_of
from atdesk.cases.queries import cases_changed_between, latest_audit_id
from atdesk.domain.ids import RowId
from atdesk.storage.session import transaction
from atdesk.ui.deps import request_now

router = APIRouter(include_in_schema=False)
TICK_S = 1.0
STREAM_MAX_S = 300.0
KEEPALIVE_EVERY = 15
TOUCH_EVERY = 60


class ChangeFeed:
    """The newest audit event id of one database, read at most once per tick per process."""

    def __init__(self, database_url: str, max_age_s: float = 0.5) -> None:
        self.database_url = database_url
        self.max_age_s = max_age_s
        self._latest = 0
        self._read_at = 0.0
        self._lock = threading.Lock()

    def latest(self) -> int:
        """The newest audit id (cached for a fraction of a second)."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.max_age_s:
                with transaction(self.database_url) as session:
                    self._latest = latest_audit_id(session)
                self._read_at = time.monotonic()
            return self._latest

    def changed_cases(
        self, after: int, upto: int, brand_ids: frozenset[int] | None = None
    ) -> list[int]:
        """Ids of the cases of these brands (None: every brand) changed between two audit ids:
        each stream asks with its viewer's brands, so no page hears of another brand's case."""
        with transaction(self.database_url) as session:
            return cases_changed_between(session, after, upto, brand_ids)


def feed_of(request: Request) -> ChangeFeed:
    """The app's change feed, made on first use."""
    feed: ChangeFeed | None = getattr(request.app.state, "feed", None)
    if feed is None:
        feed = ChangeFeed(request.app.state.settings.database_url)
        request.app.state.feed = feed
    return feed


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _authorise(
    database_url: str, session_id: str, case_id: int | None, now: datetime
) -> tuple[int, frozenset[int] | None]:
    """The signed-in user's id and brands, after checking they may watch this case."""
    with transaction(database_url) as session:
        user = session_user(session, session_id, now=now)
        if user is None:
            raise HTTPException(401, "log in to receive live updates")
        if case_id is not None:
            try:
                visible_case(session, user, case_id)
            except NotVisible:
                raise HTTPException(404, f"no case {case_id} in your brands") from None
        touch(session, user)
        return user.id, visible_brand_ids(session, user)


def _viewers(database_url: str, case_id: int, user_id: int) -> list[dict[str, Any]]:
    with transaction(database_url) as session:
        return [asdict(p) for p in viewers_of(session, case_id, exclude=user_id)]


def _touch(database_url: str, session_id: str, now: datetime) -> bool:
    """Mark the agent present; False once their session has ended (the stream stops)."""
    with transaction(database_url) as session:
        user = session_user(session, session_id, now=now)
        if user is None:
            return False
        touch(session, user)
        return True


@router.get("/live")
async def live(
    request: Request, scope: str = "inbox", case_id: RowId | None = None
) -> StreamingResponse:
    """An event stream: `inbox` (case ids changed), `case` (this case changed), `viewers`."""
    url: str = request.app.state.settings.database_url
    session_id = session_id_of(request)
    if session_id is None:
        raise HTTPException(401, "log in to receive live updates")
    user_id, brand_ids = await run_in_threadpool(
        _authorise, url, session_id, case_id, request_now(request)
    )
    feed = feed_of(request)

    async def events() -> AsyncIterator[str]:
        last = await run_in_threadpool(feed.latest)
        started = time.monotonic()
        seen_viewers: list[dict[str, Any]] | None = None
        tick = 0
        yield "retry: 2000\n\n"
        while time.monotonic() - started < STREAM_MAX_S:
            if await request.is_disconnected():
                return
            if case_id is not None and tick % 2 == 0:
                viewers = await run_in_threadpool(_viewers, url, case_id, user_id)
                if viewers != seen_viewers:
                    seen_viewers = viewers
                    yield _event("viewers", viewers)
            latest = await run_in_threadpool(feed.latest)
            if latest > last:
                ids = await run_in_threadpool(feed.changed_cases, last, latest, brand_ids)
                last = latest
                if case_id is None and ids:
                    yield _event("inbox", {"ids": ids})
                elif case_id is not None and case_id in ids:
                    yield _event("case", {"id": case_id})
            tick += 1
            if tick % KEEPALIVE_EVERY == 0:
                yield ": keep-alive\n\n"
            if tick % TOUCH_EVERY == 0 and not await run_in_threadpool(
                _touch, url, session_id, request_now(request)
            ):
                return
            await asyncio.sleep(TICK_S)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
