"""One connection to the X filtered stream: CRLF-delimited JSON, blank lines are keep-alives.

A read timeout of `keepalive_timeout` turns 20 s of silence into an error, so a stalled
stream is noticed without waiting for TCP; the shared loop in `channels.streaming` then
reconnects with X's documented backoff. The connection is the app's: each post is handed
to every brand whose rule it matched (`matching_rules`), as that brand's batch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx

from atdesk.channels.backoff import StreamFailure
from atdesk.channels.base import ChannelDeps, EventKind, IgnoredEvent, ReadBatch, tls_context
from atdesk.channels.errors import Unreachable
from atdesk.channels.http import now_utc
from atdesk.channels.observer import ApiCall, Operation
from atdesk.channels.streaming import ConnectionSlot, StreamConfig, StreamEnded
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.api import STREAM, TWEET_PARAMS, tweet_ids
from atdesk.channels.x.errors import describe, map_x_error
from atdesk.channels.x.polling import tweet_events
from atdesk.channels.x.stream_rules import StreamRoutes
from atdesk.domain.networks import Network

log = logging.getLogger(__name__)
STREAM_PATH = "/2/tweets/search/stream"


def read_filtered_stream(
    *,
    deps: ChannelDeps,
    account: XAccount,
    routes: Callable[[], StreamRoutes],
    config: StreamConfig,
    slot: ConnectionSlot,
    on_batch: Callable[[ReadBatch[XAccount]], None],
    mark_healthy: Callable[[], None],
    keep_own: bool,
) -> None:
    """Read one connection (opened and paid by `account`) until it ends; raise how it ended."""
    timeout = httpx.Timeout(deps.timeout, read=config.keepalive_timeout)
    headers = {"authorization": f"Bearer {account.stream_token}"}
    with (
        httpx.Client(
            base_url=account.base_url,
            timeout=timeout,
            transport=deps.transport,
            headers=headers,
            verify=tls_context(),
        ) as http,
        http.stream("GET", STREAM_PATH, params=TWEET_PARAMS) as response,
    ):
        _report(deps, account, Operation.STREAM_CONNECT, response.status_code, ())
        if response.status_code != 200:
            response.read()
            raise map_x_error(response, deps.clock.time())
        slot.hold(response)
        try:
            for line in response.iter_lines():
                mark_healthy()
                current = routes()
                if not line.strip():
                    continue
                try:
                    body = json.loads(line)
                except ValueError:
                    log.warning(
                        "X stream of %s sent a line that is not JSON: %.80r", account.handle, line
                    )
                    continue
                if not isinstance(body, dict):
                    continue
                if "data" in body:
                    _report(deps, account, Operation.READ_POST, 200, tuple(tweet_ids(body)))
                    _route(body, account, current, on_batch, keep_own=keep_own)
                elif body.get("errors"):
                    reason = describe(body, "operational disconnect")
                    raise StreamEnded(StreamFailure.NETWORK, Unreachable(reason, network=Network.X))
        finally:
            slot.hold(None)


def _route(
    body: dict[str, Any],
    account: XAccount,
    routes: StreamRoutes,
    on_batch: Callable[[ReadBatch[XAccount]], None],
    *,
    keep_own: bool,
) -> None:
    """One batch per brand the post matched; a post matching none of ours is noise."""
    brands = routes.accounts_for(body.get("matching_rules"))
    for brand in brands:
        events, ignored = tweet_events(body, brand, keep_own=keep_own)
        on_batch(ReadBatch(tuple(events), brand, tuple(ignored)))
    if not brands:
        ids = tweet_ids(body)
        noise = IgnoredEvent(EventKind.OTHER, ids[0] if ids else "", "matched no brand's rule")
        on_batch(ReadBatch((), account, (noise,)))


def _report(
    deps: ChannelDeps, account: XAccount, operation: Operation, status: int, ids: tuple[str, ...]
) -> None:
    deps.observer.on_api_call(
        ApiCall(
            network=Network.X,
            account=account.account_key,
            operation=operation,
            method="GET",
            endpoint=STREAM,
            status=status,
            at=now_utc(deps),
            items=len(ids),
            native_ids=ids,
        )
    )
