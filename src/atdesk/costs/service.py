"""Writes of the costs capability: a heartbeat from a case page, and a brand's cost settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from atdesk.brands.settings import store_settings_change
from atdesk.cases.access import visible_case
from atdesk.costs.activity import BEAT_S, KINDS, record_beat
from atdesk.costs.settings import (
    SETTINGS_KEY,
    CostSettings,
    CostSettingsError,
    cost_settings,
    parse_settings,
)
from atdesk.models import Brand, User


@dataclass(frozen=True, slots=True)
class BeatAnswer:
    """What the page learns from a beat: what was credited, and how to keep beating."""

    credited_s: float
    kind: str
    beat_s: int
    idle_after_s: int


def beat(
    session: Session, user: User, case_id: int, kind: str, *, now: datetime, fresh: bool = False
) -> BeatAnswer:
    """Credit an agent's time on a case they may see (NotVisible otherwise: a 404)."""
    case = visible_case(session, user, case_id)
    if kind not in KINDS:
        raise CostSettingsError(f"kind must be one of {', '.join(KINDS)}")
    credit = record_beat(session, user_id=user.id, case=case, kind=kind, now=now, fresh=fresh)
    return BeatAnswer(
        round(credit.seconds, 3), credit.kind, BEAT_S, cost_settings(case.brand).idle_after_s
    )


def save_settings(
    session: Session, brand: Brand, changes: Mapping[str, Any], *, actor: User | str
) -> CostSettings:
    """Check and store a change to the brand's cost settings, audited on the brand."""
    before = cost_settings(brand)
    after = parse_settings(changes, before)
    if after != before:
        store_settings_change(
            session,
            brand,
            {SETTINGS_KEY: after.to_json()},
            action="brand.costs",
            actor=actor,
            before=before.to_json(),
            after=after.to_json(),
        )
    return after
