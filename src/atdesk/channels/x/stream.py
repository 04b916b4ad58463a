"""One connection to the X filtered stream: CRLF-delimited JSON, blank lines are keep-alives.

A read timeout of `keepalive_timeout` turns 20 s of silence into an error, so a stalled
stream is noticed without waiting for TCP; the shared loop in `channels.streaming` then
reconnects with X's documented backoff.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx

from atdesk.channels.backoff import StreamFailure
from atdesk.channels.base import ChannelDeps, ReadBatch, tls_context
from atdesk.channels.errors import Unreachable
from atdesk.channels.http import now_utc
from atdesk.channels.observer import ApiCall, Operation
from atdesk.channels.streaming import ConnectionSlot, StreamConfig, StreamEnded
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.api import STREAM, TWEET_PARAMS, tweet_ids
from atdesk.channels.x.errors import describe, map_x_error
from atdesk.channels.x.polling import tweet_events
from atdesk.domain.networks import Network

log = logging.getLogger(__name__)
STREAM_PATH = "/2/tweets/search/stream"


def read_filtered_stream(
    *,
    deps: ChannelDeps,
    account: XAccount,
    config: StreamConfig,
    slot: ConnectionSlot,
    on_batch: Callable[[ReadBatch[XAccount]], None],
    mark_healthy: Callable[[], None],
    keep_own: bool,
) -> None:
    """Read one connection until it ends; raise StreamEnded or a ChannelError saying how."""
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
                    events, ignored = tweet_events(body, account, keep_own=keep_own)
                    on_batch(ReadBatch(tuple(events), account, tuple(ignored)))
                elif body.get("errors"):
                    reason = describe(body, "operational disconnect")
                    raise StreamEnded(StreamFailure.NETWORK, Unreachable(reason, network=Network.X))
        finally:
            slot.hold(None)


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
