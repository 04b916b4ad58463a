"""Writing the audit trail: every change to a case lands here in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from atdesk.models import AuditEvent, User
from atdesk.models.base import table_of

SYSTEM = "system"
PIPELINE = "pipeline"
_HELD = "atdesk.audit.held"  # session.info key: events held for one insert (see `batched`)


def record(
    session: Session,
    *,
    entity_type: str,
    entity_id: int,
    action: str,
    actor: User | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event; the caller's transaction commits it with the change (inside
    `batched`, it is added with the others when the batch ends)."""
    event = AuditEvent(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor=actor.username if isinstance(actor, User) else actor,
        actor_user_id=actor.id if isinstance(actor, User) else None,
        before=before or {},
        after=after or {},
    )
    held: list[AuditEvent] | None = session.info.get(_HELD)
    if held is None:
        session.add(event)
    else:
        held.append(event)
    return event


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Hold the events recorded meanwhile and add them together at the end, in the order
    recorded: one executemany instead of an ORM insert per event (on SQLite the ORM sends
    one INSERT per row to learn the ids, which no one here reads), for a stage that acts on
    a batch of posts and reads no audit event back before it ends. An exception discards
    them with the rest of the caller's transaction."""
    if _HELD in session.info:  # already batching: the outer batch adds them
        yield
        return
    held: list[AuditEvent] = []
    session.info[_HELD] = held
    try:
        yield
    finally:
        del session.info[_HELD]
    if held:
        session.execute(insert(table_of(AuditEvent)), [_values(event) for event in held])
    session.flush()


# What a held event gives its row: every column but the id and `at` (the column's default
# stamps it at the insert, as the ORM's flush would).
_GIVEN = [c.key for c in table_of(AuditEvent).columns if c.key not in ("id", "at")]


def _values(event: AuditEvent) -> dict[str, Any]:
    """A held event as its row's values."""
    return {key: getattr(event, key) for key in _GIVEN}
