"""Reads for the reply pages: a reviewer's recent decisions and the macros a viewer may use."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from atdesk.models import Macro, ReplyDraft


def decided_by(session: Session, reviewer_id: int, *, limit: int = 10) -> Sequence[ReplyDraft]:
    """The replies a reviewer approved or rejected most recently, newest first."""
    return session.scalars(
        select(ReplyDraft)
        .where(ReplyDraft.reviewer_user_id == reviewer_id)
        .order_by(ReplyDraft.decided_at.desc())
        .limit(limit)
    ).all()


def macros_of_brands(session: Session, brand_ids: frozenset[int] | None) -> Sequence[Macro]:
    """Macros of these brands (None: every brand) and those for every brand, by name."""
    return session.scalars(
        select(Macro)
        .where(or_(_macro_in_brands(brand_ids), Macro.brand_id.is_(None)))
        .order_by(Macro.name)
    ).all()


def _macro_in_brands(brand_ids: frozenset[int] | None) -> ColumnElement[bool]:
    """Macros of these brands (every brand's when None: admins and before teams exist)."""
    if brand_ids is None:
        return Macro.brand_id.is_not(None)
    return Macro.brand_id.in_(sorted(brand_ids) or [-1])
