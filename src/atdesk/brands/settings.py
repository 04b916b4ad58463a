"""A brand's settings are named parts of one JSON column; each change is stored and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.models import Brand, User


def store_settings_change(
    session: Session,
    brand: Brand,
    parts: Mapping[str, Any],
    *,
    action: str,
    actor: User | str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    """Put the changed parts on the brand and audit them, so no settings form forgets either
    (callers skip a change that changes nothing)."""
    brand.settings = {**(brand.settings or {}), **parts}
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action=action,
        actor=actor,
        before=dict(before),
        after=dict(after),
    )
    session.flush()
