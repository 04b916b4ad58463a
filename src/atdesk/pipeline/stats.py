"""Counts for `atdesk stats` and for dashboards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.models import Author, Brand, BusMessage, Case, Conversation, Customer, Post, User


def counts(session: Session) -> dict[str, Any]:
    """Row counts of the main tables, cases by status, and the bus backlog."""

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    by_status = {
        status: int(n)
        for status, n in session.execute(select(Case.status, func.count()).group_by(Case.status))
    }
    return {
        "posts": count(Post),
        "inbound_posts": count(Post, Post.inbound.is_(True)),
        "outbound_posts": count(Post, Post.inbound.is_(False)),
        "conversations": count(Conversation),
        "cases": count(Case),
        "cases_by_status": by_status,
        "customers": count(Customer),
        "authors": count(Author),
        "brands": count(Brand),
        "users": count(User),
        "filtered": count(Post, Post.filtered_reason.is_not(None)),
        "bus_pending": count(BusMessage, BusMessage.done_at.is_(None)),
    }
