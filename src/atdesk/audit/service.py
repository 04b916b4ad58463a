"""Writing the audit trail: every change to a case lands here in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from atdesk.models import AuditEvent, User

SYSTEM = "system"
PIPELINE = "pipeline"


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
    """Add one audit event; the caller's transaction commits it with the change."""
    event = AuditEvent(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor=actor.username if isinstance(actor, User) else actor,
        actor_user_id=actor.id if isinstance(actor, User) else None,
        before=before or {},
        after=after or {},
    )
    session.add(event)
    return event
