"""The embedded bus: a table in the same database, so a crash between stages loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from atdesk.models import BusMessage
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import Handler
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a failing batch: 2 s, 4 s, ... capped at 10 minutes."""
    return timedelta(seconds=min(600, 2**attempts))


class EmbeddedBus:
    """Messages are rows; the consumer marks them done in the transaction that handles them."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

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

    def consume(self, topic: str, handler: Handler, *, batch_size: int = 500) -> int:
        """Claim a batch, handle it and mark it done atomically; on failure back off and retry."""
        claimed: list[int] = []
        try:
            with transaction(self.database_url) as session:
                rows = self._claim(session, topic, batch_size)
                if not rows:
                    return 0
                claimed = [row.id for row in rows]
                handler(session, [row.payload for row in rows])
                session.execute(
                    update(BusMessage)
                    .where(BusMessage.id.in_(claimed))
                    .values(done_at=utcnow(), error=None)
                )
            return len(claimed)
        except Exception as exc:
            if not claimed:
                raise
            log.exception("bus batch on %s failed; it will be retried", topic)
            self._record_failure(claimed, repr(exc))
            raise

    def _claim(self, session: Session, topic: str, batch_size: int) -> Sequence[BusMessage]:
        """Oldest ready messages; SKIP LOCKED on PostgreSQL, the write lock on SQLite."""
        query = (
            select(BusMessage)
            .where(
                BusMessage.topic == topic,
                BusMessage.done_at.is_(None),
                BusMessage.attempts < MAX_ATTEMPTS,
                BusMessage.available_at <= utcnow(),
            )
            .order_by(BusMessage.id)
            .limit(batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:
            session.execute(update(BusMessage).where(BusMessage.id == -1).values(attempts=0))
        return session.scalars(query).all()

    def _record_failure(self, ids: list[int], error: str) -> None:
        """Count the attempt and delay the next one, in a transaction of its own."""
        with transaction(self.database_url) as session:
            for row in session.scalars(select(BusMessage).where(BusMessage.id.in_(ids))):
                row.attempts += 1
                row.error = error[:2000]
                row.available_at = utcnow() + retry_delay(row.attempts)

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
