"""Group commit for pushed deliveries: many webhook requests, one short write transaction.

A webhook answers only once its events are committed to the bus (a delivery acknowledged is
never lost), but one transaction per request makes every request queue for the database's
write lock (SQLite) or the account's counter row (PostgreSQL), and under load the requests
wait behind each other until they time out. Here each request hands its verified events to
one writer thread per process and waits; the writer commits everything that arrived
meanwhile in one transaction (the events on the bus, one read-count update per account) and
wakes the requests. The queue is bounded, in events and in age: when the database cannot keep
up (the oldest waiting delivery has waited BUSY_AFTER_S), a request is refused at once with
`Busy` (the route answers 429 with Retry-After) instead of piling up behind the others.
Behind it, the bus is bounded too: with `queue_bound` (ATDESK_EVENTS_QUEUE_BOUND, as for the
events API) a delivery is refused while more inbound messages than that wait for the workers,
so a rate above the workers' capacity is turned away instead of growing a backlog that every
later post waits behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from atdesk.channels.base import IgnoredEvent
from atdesk.connectors.store import count_read
from atdesk.domain.posts import RawEvent
from atdesk.pipeline.bus import INBOUND, Bus
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

MAX_QUEUED_EVENTS = 20_000
BUSY_AFTER_S = 2.0
WAIT_S = 10.0
# The bus's backlog is counted at most this often (a count per delivery would cost a query each).
BACKLOG_FRESH_S = 0.25


class Busy(Exception):
    """The intake holds as many events as it may: the sender should retry shortly."""


class NotCommitted(Exception):
    """The delivery's events were not committed in time (or their transaction failed)."""


@dataclass(slots=True)
class Queued:
    """A delivery waiting for the writer's commit: wait for it in a thread (`wait`) or on the
    event loop (`committed`), which holds no thread meanwhile."""

    account_id: int
    events: list[RawEvent]
    ignored: Counter[str]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    _wakers: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self, error: BaseException | None) -> None:
        """The writer's word: committed (no error) or not; wakes every waiter."""
        with self._lock:
            self.error = error
            self.done.set()
            wakers, self._wakers = self._wakers, []
        for wake in wakers:
            wake()

    def wait(self, wait_s: float = WAIT_S) -> None:
        """Return once committed; NotCommitted when the commit failed or took over wait_s."""
        if not self.done.wait(wait_s):
            raise NotCommitted(f"the events were not stored within {wait_s:g} s")
        self._raise_failure()

    async def committed(self, wait_s: float = WAIT_S) -> None:
        """`wait` for a coroutine: the writer thread wakes the event loop when it is done."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: no one is waiting
                loop.call_soon_threadsafe(_resolve, future)

        with self._lock:
            if not self.done.is_set():
                self._wakers.append(wake)
            else:
                future.set_result(None)
        try:
            await asyncio.wait_for(future, wait_s)
        except TimeoutError:
            raise NotCommitted(f"the events were not stored within {wait_s:g} s") from None
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self.error is not None:
            raise NotCommitted(f"the events could not be stored: {self.error!r}")


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():  # the request may have given up (timeout, client gone)
        future.set_result(None)


class Intake:
    """One per process and database: the writer thread starts on the first delivery."""

    def __init__(
        self,
        database_url: str,
        bus: Bus,
        *,
        max_events: int = MAX_QUEUED_EVENTS,
        busy_after_s: float = BUSY_AFTER_S,
        queue_bound: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.database_url = database_url
        self.bus = bus
        self.max_events = max_events
        self.busy_after_s = busy_after_s
        self.queue_bound = queue_bound
        self._clock = clock
        self._backlog = 0
        self._backlog_read_at = -BACKLOG_FRESH_S
        self._backlog_lock = threading.Lock()
        self._queue: list[Queued] = []
        self._queued_events = 0
        self._oldest = 0.0  # when the oldest waiting delivery arrived (monotonic)
        self._changed = threading.Condition()
        self._writer: threading.Thread | None = None

    @property
    def queued_events(self) -> int:
        """Events handed to the writer that its current commit does not hold yet."""
        with self._changed:
            return self._queued_events

    def submit(
        self,
        account_id: int,
        events: Sequence[RawEvent],
        ignored: Sequence[IgnoredEvent],
        *,
        wait_s: float = WAIT_S,
    ) -> None:
        """Return once the events are committed to the bus; Busy when the queue is full,
        NotCommitted when the commit failed or took longer than wait_s."""
        self.queue(account_id, events, ignored).wait(wait_s)

    def queue(
        self, account_id: int, events: Sequence[RawEvent], ignored: Sequence[IgnoredEvent]
    ) -> Queued:
        """Hand the events to the writer and return at once; Busy when the queue is full.
        May read the bus's backlog (a query), so call it where blocking is allowed."""
        delivery = Queued(account_id, list(events), Counter(i.kind.value for i in ignored))
        if self.queue_bound is not None and (backlog := self._bus_backlog()) > self.queue_bound:
            raise Busy(
                f"{backlog} posts are waiting for the workers (the bound is {self.queue_bound})"
            )
        with self._changed:
            if self._queue:
                if self._queued_events + len(delivery.events) > self.max_events:
                    raise Busy(f"{self._queued_events} events are waiting to be stored")
                waited = time.monotonic() - self._oldest
                if waited >= self.busy_after_s:
                    raise Busy(f"deliveries have waited {waited:.1f} s to be stored")
            else:
                self._oldest = time.monotonic()
            self._queue.append(delivery)
            self._queued_events += len(delivery.events)
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_forever, name="atdesk-intake", daemon=True
                )
                self._writer.start()
            self._changed.notify()
        return delivery

    def _bus_backlog(self) -> int:
        """Inbound messages waiting for the workers, read again when BACKLOG_FRESH_S old; while
        one request reads it, the others use the last count."""
        with self._backlog_lock:
            now = self._clock()
            stale = now - self._backlog_read_at >= BACKLOG_FRESH_S
            if stale:
                self._backlog_read_at = now
        if stale:
            try:
                self._backlog = self.bus.pending(INBOUND)
            except Exception:  # the bus is away: the commit will say so (503), not this count
                log.warning("could not count the inbound backlog; using the last count")
        return self._backlog

    def _write_forever(self) -> None:
        while True:
            with self._changed:
                while not self._queue:
                    self._changed.wait()
                batch, self._queue = self._queue, []
                self._queued_events = 0
            self._write(batch)

    def _write(self, batch: list[Queued]) -> None:
        """Everything queued since the last commit, in one transaction; then wake them."""
        error: BaseException | None = None
        try:
            with transaction(self.database_url) as session:
                events = [event.to_json() for d in batch for event in d.events]
                if events:
                    self.bus.publish(session, INBOUND, events)
                for account_id, (read, ignored) in _per_account(batch).items():
                    count_read(session, account_id, read, ignored)
        except Exception as exc:  # every waiting request answers with it; senders retry
            log.exception("storing %d pushed deliveries failed", len(batch))
            error = exc
        for delivery in batch:
            delivery.finish(error)


def _per_account(batch: Sequence[Queued]) -> dict[int, tuple[int, Counter[str]]]:
    """Read and ignored counts summed per account, in a stable order (no lock cycles)."""
    totals: dict[int, tuple[int, Counter[str]]] = {}
    for delivery in sorted(batch, key=lambda d: d.account_id):
        read, ignored = totals.get(delivery.account_id, (0, Counter()))
        totals[delivery.account_id] = (read + len(delivery.events), ignored + delivery.ignored)
    return totals
