"""One connection to Mastodon's user stream (SSE); `:thump` comments are heartbeats.

Any bytes, heartbeats included, prove the connection alive; a read timeout of
`keepalive_timeout` turns silence into an error and the shared loop reconnects.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, cast

import httpx
from httpx_sse import EventSource, SSEError

from atdesk.channels.base import ChannelDeps, EventKind, IgnoredEvent, ReadBatch, tls_context
from atdesk.channels.errors import MalformedResponse
from atdesk.channels.http import now_utc
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.errors import map_mastodon_error
from atdesk.channels.mastodon.normalize import SOURCE_DELETE, SOURCE_STATUS
from atdesk.channels.mastodon.polling import brand_of, notification_events
from atdesk.channels.observer import ApiCall, Operation
from atdesk.channels.streaming import ConnectionSlot, StreamConfig
from atdesk.channels.timeparse import iso_millis
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent

log = logging.getLogger(__name__)
STREAM_PATH = "/api/v1/streaming/user"


class _Watched:
    """Lets httpx-sse read the response while every chunk (a heartbeat too) marks it alive."""

    def __init__(self, response: httpx.Response, alive: Callable[[], None]) -> None:
        self._response = response
        self._alive = alive
        self.headers = response.headers

    def iter_text(self) -> Iterator[str]:
        for chunk in self._response.iter_text():
            self._alive()
            yield chunk


def _mentions_brand(status: dict[str, Any], account: MastodonAccount) -> bool:
    mentions: list[Any] = status.get("mentions") or []
    return any(str(m.get("id")) == account.account_id for m in mentions if isinstance(m, dict))


def read_user_stream(
    *,
    deps: ChannelDeps,
    account: MastodonAccount,
    config: StreamConfig,
    slot: ConnectionSlot,
    on_batch: Callable[[ReadBatch[MastodonAccount]], None],
    mark_healthy: Callable[[], None],
    keep_own: bool,
) -> None:
    """Read one SSE connection until it ends."""
    timeout = httpx.Timeout(deps.timeout, read=config.keepalive_timeout)
    headers = {
        "authorization": f"Bearer {account.token}",
        "accept": "text/event-stream",
        "cache-control": "no-store",
    }
    base = account.streaming_url or account.base_url
    with (
        httpx.Client(
            base_url=base, timeout=timeout, transport=deps.transport, verify=tls_context()
        ) as http,
        http.stream("GET", STREAM_PATH, headers=headers) as response,
    ):
        _report(deps, account, response.status_code)
        if response.status_code != 200:
            response.read()
            raise map_mastodon_error(response, deps.clock.time())
        slot.hold(response)
        try:
            source = EventSource(cast(httpx.Response, _Watched(response, mark_healthy)))
            for sse in source.iter_sse():
                batch = _batch(sse.event, sse.data, account, deps, keep_own)
                if batch is not None:
                    on_batch(batch)
        except SSEError as exc:
            raise MalformedResponse(str(exc), network=Network.MASTODON) from exc
        finally:
            slot.hold(None)


def _batch(
    event: str, data: str, account: MastodonAccount, deps: ChannelDeps, keep_own: bool
) -> ReadBatch[MastodonAccount] | None:
    if event == "delete":
        payload = {
            "id": data.strip(),
            "received_at": iso_millis(now_utc(deps)),
            "brand": brand_of(account),
        }
        return ReadBatch((RawEvent(SOURCE_DELETE, payload),), account)
    if event not in {"notification", "status.update"}:
        return None
    try:
        body = json.loads(data)
    except ValueError:
        log.warning("Mastodon stream of %s sent data that is not JSON: %.80r", account.acct, data)
        return None
    if not isinstance(body, dict):
        return None
    if event == "notification":
        events, ignored = notification_events([body], account, keep_own=keep_own)
        return ReadBatch(tuple(events), account, tuple(ignored))
    if _mentions_brand(body, account):
        payload = {"status": body, "brand": brand_of(account)}
        return ReadBatch((RawEvent(SOURCE_STATUS, payload),), account)
    ignored_edit = IgnoredEvent(EventKind.OTHER, str(body.get("id")), "edit of an unrelated status")
    return ReadBatch((), account, (ignored_edit,))


def _report(deps: ChannelDeps, account: MastodonAccount, status: int) -> None:
    deps.observer.on_api_call(
        ApiCall(
            network=Network.MASTODON,
            account=account.account_key,
            operation=Operation.STREAM_CONNECT,
            method="GET",
            endpoint=f"GET {STREAM_PATH}",
            status=status,
            at=now_utc(deps),
        )
    )
