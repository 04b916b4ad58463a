"""The polling loop a worker thread runs for one account: pass, persist, pace, repeat.

Each batch is handed to `persist` (the caller stores events and account state in one
transaction) before the next page is read. Before each pass the budget guard says how long
to wait, so polling slows before a monthly budget runs out; the slow-down, and its end,
are reported as health notices. Transient failures end a pass early (the next pass
resumes from the stored state); credential failures end the loop, as only an admin can
fix them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from decimal import Decimal

from atdesk.channels.base import Channel, ChannelDeps, ReadBatch, S
from atdesk.channels.clock import SystemClock
from atdesk.channels.costs import BudgetGuard, CostMeter
from atdesk.channels.errors import TransientError
from atdesk.channels.http import now_utc
from atdesk.channels.observer import HealthKind, HealthNotice

log = logging.getLogger(__name__)


def run_poller(
    channel: Channel[S],
    account: S,
    persist: Callable[[ReadBatch[S]], None],
    *,
    deps: ChannelDeps,
    guard: BudgetGuard,
    meter: CostMeter,
    stop: threading.Event,
    max_rounds: int | None = None,
) -> S:
    """Poll until `stop` (or `max_rounds` waits); returns the account as last persisted.

    `meter` must observe the channel's calls (see `costs.metered`) so the guard learns
    what a pass costs.
    """
    network, key = channel.network, account.account_key
    throttled = False
    rounds = 0
    while not stop.is_set() and (max_rounds is None or rounds < max_rounds):
        rounds += 1
        pace = guard.pace(network, key)
        if pace.throttled != throttled:
            throttled = pace.throttled
            kind = HealthKind.BUDGET_THROTTLED if throttled else HealthKind.RECOVERED
            message = pace.reason if throttled else "polling back at its normal pace"
            deps.observer.on_health(HealthNotice(network, key, kind, message, now_utc(deps)))
        if rounds > 1 or throttled:
            _wait(deps, stop, pace.delay)
            if stop.is_set():
                break
            if guard.pace(network, key).blocked:
                continue  # still no money for a pass (the month has not turned yet)
        before = meter.read()
        try:
            for batch in channel.poll(account):
                persist(batch)
                account = batch.account
        except TransientError as exc:
            log.warning("%s poll of %s ended early (%s); the next pass resumes", network, key, exc)
        guard.record_poll(network, key, max(Decimal(0), meter.read() - before))
    return account


def _wait(deps: ChannelDeps, stop: threading.Event, seconds: float) -> None:
    if isinstance(deps.clock, SystemClock):
        stop.wait(seconds)
    else:
        deps.clock.sleep(seconds)
