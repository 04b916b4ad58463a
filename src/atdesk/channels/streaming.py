"""The reconnect loop shared by long-lived streams (X filtered stream, Mastodon SSE).

A network-specific `connect` opens one connection and feeds events until it ends; this
loop classifies how it ended, waits the documented backoff, reports a stream that keeps
failing (and its recovery) to the observer, and stops promptly when asked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from atdesk.channels.backoff import Backoff, ReconnectPolicy, StreamFailure
from atdesk.channels.base import ChannelDeps
from atdesk.channels.clock import SystemClock
from atdesk.channels.errors import (
    AuthError,
    ChannelError,
    MalformedResponse,
    RateLimited,
    Unreachable,
)
from atdesk.channels.http import now_utc
from atdesk.channels.observer import HealthKind, HealthNotice
from atdesk.domain.networks import Network

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Keep-alive timeout (X sends a keep-alive at least every 20 s), backoff, alert threshold."""

    keepalive_timeout: float = 20.0
    policy: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    failing_after: int = 3


class StreamEnded(Exception):
    """One connection ended; `failure` says how, `error` why."""

    def __init__(self, failure: StreamFailure, error: BaseException | None = None) -> None:
        super().__init__(str(error) if error else failure.value)
        self.failure = failure
        self.error = error


class ConnectionSlot:
    """The live response, so `stop` can close it from another thread and unblock a read."""

    def __init__(self, stop: threading.Event) -> None:
        self._lock = threading.Lock()
        self._response: httpx.Response | None = None
        self._stop = stop
        self._watcher = threading.Thread(target=self._close_on_stop, daemon=True)
        self._watcher.start()

    def hold(self, response: httpx.Response | None) -> None:
        """Remember the response being read (None when it is over)."""
        with self._lock:
            self._response = response
        if response is not None and self._stop.is_set():
            response.close()

    def _close_on_stop(self) -> None:
        self._stop.wait()
        with self._lock:
            if self._response is not None:
                self._response.close()


def classify(error: BaseException) -> StreamFailure:
    """Which backoff applies to how a connection ended."""
    if isinstance(error, StreamEnded):
        return error.failure
    if isinstance(error, RateLimited):
        return StreamFailure.RATE_LIMIT
    if isinstance(
        error, httpx.TransportError | httpx.StreamError | Unreachable | MalformedResponse
    ):
        return StreamFailure.NETWORK
    return StreamFailure.HTTP


def pause(deps: ChannelDeps, stop: threading.Event, seconds: float) -> None:
    """Wait between attempts; the real clock wakes up at once when `stop` is set."""
    if isinstance(deps.clock, SystemClock):
        stop.wait(seconds)
    else:
        deps.clock.sleep(seconds)


def run_reconnecting(
    *,
    network: Network,
    account: str,
    deps: ChannelDeps,
    config: StreamConfig,
    stop: threading.Event,
    connect: Callable[[Callable[[], None]], None],
) -> None:
    """Call `connect(mark_healthy)` until `stop`; it returns or raises when a connection ends.

    `mark_healthy` is called by `connect` whenever the connection proves alive (a line, a
    keep-alive), which resets the backoff and the failure count. Auth errors end the loop
    (after a health notice): reconnecting cannot fix credentials.
    """
    backoff = Backoff(config.policy)
    failures = 0
    alerted = False

    def mark_healthy() -> None:
        nonlocal failures, alerted
        backoff.reset()
        if alerted:
            _notice(deps, network, account, HealthKind.RECOVERED, "stream reconnected", failures)
        failures = 0
        alerted = False

    while not stop.is_set():
        try:
            connect(mark_healthy)
            if stop.is_set():
                return
            failure, reason = StreamFailure.NETWORK, "stream closed by the server"
        except AuthError:
            raise
        except (StreamEnded, ChannelError, httpx.TransportError, httpx.StreamError) as exc:
            # StreamError: the response was closed under the read (by `stop`, or a race).
            if stop.is_set():
                return
            failure, reason = classify(exc), str(exc) or type(exc).__name__
        failures += 1
        delay = backoff.next_delay(failure)
        if failure is StreamFailure.RATE_LIMIT:
            log.warning(
                "%s stream of %s rate limited; reconnecting in %.1f s", network, account, delay
            )
        else:
            log.info(
                "%s stream of %s ended (%s); reconnecting in %.2f s",
                network,
                account,
                reason,
                delay,
            )
        if failures >= config.failing_after and not alerted:
            alerted = True
            _notice(
                deps,
                network,
                account,
                HealthKind.STREAM_FAILING,
                f"stream failed {failures} times in a row ({reason}); polling fills the gap",
                failures,
            )
        pause(deps, stop, delay)


def _notice(
    deps: ChannelDeps, network: Network, account: str, kind: HealthKind, message: str, failures: int
) -> None:
    deps.observer.on_health(
        HealthNotice(
            network=network,
            account=account,
            kind=kind,
            message=message,
            at=now_utc(deps),
            failures=failures,
        )
    )
