"""Hand-made cases for cost tests: a brand, an agent, cases resolved when a test says."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import Brand, Case, Post, User
from tests.cases.factories import staff
from tests.factories import make_brand, post, run


def brand_and_agent(session: Session, name: str = "Acme") -> tuple[Brand, User]:
    """The test brand (X @acmehelp) and an agent."""
    return make_brand(session, name), staff(session, f"agent-{name.lower()}")


def open_case(session: Session, native_id: str, *, handle: str = "dana") -> Case:
    """A case opened by one customer post through the pipeline."""
    run(
        session,
        post(
            native_id,
            f"@acmehelp help me please {native_id}",
            handle=handle,
            author=f"44{native_id}",
        ),
    )
    stored = session.scalars(select(Post).where(Post.native_id == native_id)).one()
    case = session.get(Case, stored.case_id)
    assert case is not None
    return case


def resolve(case: Case, at: datetime) -> None:
    """Mark the case resolved at `at` (hand-made: the lifecycle is not what is tested)."""
    case.status = "resolved"
    case.resolved_at = at
    case.resolved_by = "agent"
