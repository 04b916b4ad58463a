"""Builders for emerging-issue tests: customer posts to a brand at fixed times, the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.posts import RawEvent
from atdesk.models import Issue, Post
from atdesk.pipeline.runner import BatchReport, process_events
from tests.automations.helpers import TRIAGER

# Posts are dated; every `now` the code is given is derived from this, never the wall clock.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """`minutes` after START."""
    return START + timedelta(minutes=minutes)


def mention(
    native_id: str, text: str, minutes: float, *, to: str = "acmehelp", author: str | None = None
) -> dict[str, Any]:
    """A customer's public post on X to a brand's handle, from its own author."""
    who = author or f"77{native_id.zfill(8)}"
    return {
        "network": "x",
        "id": native_id,
        "text": f"@{to} {text}",
        "created_at": at(minutes).isoformat(),
        "author": {"id": who, "handle": f"c{who}", "name": "Customer", "followers": 10},
    }


def run(session: Session, *payloads: dict[str, Any]) -> BatchReport:
    """The live pipeline for these posts, with the keyword triager."""
    return process_events(
        session, [RawEvent(source="jsonl", payload=p) for p in payloads], triager=TRIAGER
    )


def issue_of(session: Session, native_id: str) -> int | None:
    """The issue the stored post of this id belongs to."""
    return session.scalar(select(Post.issue_id).where(Post.native_id == native_id))


def issues(session: Session, brand_id: int | None = None) -> list[Issue]:
    """Every issue (of one brand), oldest first."""
    query = select(Issue).order_by(Issue.id)
    if brand_id is not None:
        query = query.where(Issue.brand_id == brand_id)
    return list(session.scalars(query))
