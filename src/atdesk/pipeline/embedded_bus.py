"""The embedded bus: a table in the same database, so a crash between stages loses nothing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from atdesk.models import BusMessage
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import (
    CONFLICT_ATTEMPTS,
    PREPARE_ATTEMPTS,
    Handler,
    Stale,
    lost_race,
    prepared,
)
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Handled messages are kept this long (to look into a recent batch), then deleted in batches.
HANDLED_KEPT = timedelta(days=1)
TRIM_BATCH = 1000


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a failing batch: 2 s, 4 s, ... capped at 10 minutes."""
    return timedelta(seconds=min(600, 2**attempts))


class Arrivals:
    """Wakes this process's idle consumers when a publish commits, so a message waits for no
    poll interval when the web app and the workers share a process (the embedded mode); a
    counter rather than a flag, so two consumers waiting at once both wake."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.count = 0

    def notify(self, *_: object) -> None:
        """Something was committed (or the loops should stop): wake every waiter."""
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Return once the count moves past `seen`, or after `timeout` seconds."""
        with self._changed:
            if self.count == seen:
                self._changed.wait(timeout)


ARRIVALS = Arrivals()
_PUBLISHED = "atdesk.bus.published"  # session.info: this transaction published something


def _wake_on_commit(session: Session) -> None:
    """Wake the idle consumers once this session's transaction commits (not if it rolls back)."""
    session.info[_PUBLISHED] = True
    if not event.contains(session, "after_commit", _committed):
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_rollback", _rolled_back)


def _committed(session: Session) -> None:
    if session.info.pop(_PUBLISHED, False):
        ARRIVALS.notify()


def _rolled_back(session: Session) -> None:
    session.info.pop(_PUBLISHED, None)


class EmbeddedBus:
    """Messages are rows; the consumer marks them done in the transaction that handles them."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._seen = threading.local()  # the arrivals count each consuming thread last read

    def wait_for_messages(self, timeout: float) -> None:
        """Idle until a publish commits in this process after this thread's last consume, or
        `timeout` passes (messages from other processes are found on the next poll)."""
        ARRIVALS.wait(getattr(self._seen, "count", -1), timeout)

    def wake(self) -> None:
        """Wake every idle consumer (a worker stopping)."""
        ARRIVALS.notify()

    def publish(self, session: Session, topic: str, payloads: Sequence[dict[str, Any]]) -> None:
        """Insert the messages with the caller's other writes (an outbox)."""
        if payloads:
            now = utcnow()
            session.execute(
                insert(BusMessage),
                [
                    {"topic": topic, "payload": p, "created_at": now, "available_at": now}
                    for p in payloads
                ],
            )
            _wake_on_commit(session)

    def consume(self, topic: str, handler: Handler, *, batch_size: int = 500) -> int:
        """Peek a batch and prepare it with no transaction open, then claim, store and mark it
        done in one short transaction (ADR 78); on failure back off and retry."""
        self._seen.count = ARRIVALS.count  # a publish after this wakes wait_for_messages
        stale: Stale | None = None
        passes = conflicts = 0
        while passes < PREPARE_ATTEMPTS:
            peeked = self._peek(topic, batch_size)
            if not peeked:
                return 0
            ids = [row_id for row_id, _ in peeked]
            try:
                store = prepared(handler, self.database_url, [payload for _, payload in peeked])
                with transaction(self.database_url) as session:
                    rows = self._claim(session, ids)
                    if rows:
                        store(session, [row.payload for row in rows])
                        session.execute(
                            update(BusMessage)
                            .where(BusMessage.id.in_([row.id for row in rows]))
                            .values(done_at=utcnow(), error=None)
                        )
                if rows:
                    return len(rows)
                # Another consumer took the whole batch meanwhile: look again.
            except Stale as exc:
                log.info("bus batch on %s changed while it was prepared (%s); again", topic, exc)
                stale = exc
            except Exception as exc:
                # Another consumer (`ingest --live` beside a running worker) stored rows of the
                # same conversation first: all of ours rolled back, and again sees theirs.
                if lost_race(exc) and conflicts < CONFLICT_ATTEMPTS - 1:
                    conflicts += 1
                    log.info("bus batch on %s lost a race (%s); again", topic, exc)
                    time.sleep(0.05 * conflicts)
                    continue  # not a pass: the batch itself was fine
                log.exception("bus batch on %s failed; it will be retried", topic)
                self._record_failure(ids, repr(exc))
                raise
            else:
                stale = None
            passes += 1
        if stale is not None:
            self._record_failure(ids, repr(stale))
            raise stale
        return 0

    def _peek(self, topic: str, batch_size: int) -> list[tuple[int, dict[str, Any]]]:
        """The oldest ready messages, read without taking any lock."""
        with transaction(self.database_url) as session:
            rows = session.execute(
                select(BusMessage.id, BusMessage.payload)
                .where(
                    BusMessage.topic == topic,
                    BusMessage.done_at.is_(None),
                    BusMessage.attempts < MAX_ATTEMPTS,
                    BusMessage.available_at <= utcnow(),
                )
                .order_by(BusMessage.id)
                .limit(batch_size)
            )
            return [(row_id, payload) for row_id, payload in rows]

    def _claim(self, session: Session, ids: list[int]) -> Sequence[BusMessage]:
        """Those of the peeked messages still undone; SKIP LOCKED on PostgreSQL, the write lock
        on SQLite (taken first, so a later write never fails with "database is locked")."""
        query = (
            select(BusMessage)
            .where(BusMessage.id.in_(ids), BusMessage.done_at.is_(None))
            .order_by(BusMessage.id)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:
            session.execute(update(BusMessage).where(BusMessage.id == -1).values(attempts=0))
        return session.scalars(query).all()

    def _record_failure(self, ids: list[int], error: str) -> None:
        """Count the attempt and delay the next one, in a transaction of its own."""
        with transaction(self.database_url) as session:
            for row in session.scalars(
                select(BusMessage).where(BusMessage.id.in_(ids), BusMessage.done_at.is_(None))
            ):
                row.attempts += 1
                row.error = error[:2000]
                row.available_at = utcnow() + retry_delay(row.attempts)

    def trim_handled(self, topic: str, *, now: datetime, keep: timedelta = HANDLED_KEPT) -> int:
        """Delete the topic's messages handled more than `keep` ago, a batch per short write:
        a handled post's raw payload must not outlive retention or erasure in the bus table.
        Returns how many went."""
        removed = 0
        while True:
            with transaction(self.database_url) as session:
                ids = list(
                    session.scalars(
                        select(BusMessage.id)
                        .where(
                            BusMessage.topic == topic,
                            BusMessage.done_at.is_not(None),
                            BusMessage.done_at < now - keep,
                        )
                        .limit(TRIM_BATCH)
                    )
                )
                if not ids:
                    return removed
                session.execute(delete(BusMessage).where(BusMessage.id.in_(ids)))
            removed += len(ids)

    def pending(self, topic: str) -> int:
        """Messages not yet done (including those backing off)."""
        with transaction(self.database_url) as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(BusMessage)
                    .where(BusMessage.topic == topic, BusMessage.done_at.is_(None))
                )
                or 0
            )
