"""The case lifecycle derived from the conversation's posts in time order, not arrival order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from atdesk.domain.cases import CaseStatus
from atdesk.domain.triage import Priority


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What the lifecycle needs from one post."""

    id: int
    created_at: datetime
    inbound: bool
    filtered: bool
    author_id: int
    brand_id: int | None
    intent: str | None
    sentiment: str | None
    language: str | None
    priority: str | None
    text: str
    network: str
    # An answer to a satisfaction survey is not a request: it neither opens nor reopens a case.
    survey_answer: bool = False
    intent_confidence: float | None = None
    # Heard by listening without asking for help (ADR 88): kept for insights, never a case.
    listen_only: bool = False


@dataclass(slots=True)
class Timeline:
    """The case fields that follow from the posts alone."""

    brand_id: int
    customer_author_id: int
    opened_at: datetime
    first_response_at: datetime | None
    last_customer_at: datetime
    last_agent_at: datetime | None
    inbound_count: int
    outbound_count: int
    intent: str | None
    sentiment: str | None
    language: str | None
    priority: Priority
    subject: str
    network: str
    waiting_since: datetime | None = None
    # How sure triage was of the latest customer post's intent (the Needs review view).
    latest_confidence: float | None = None


def timeline(posts: Sequence[PostFacts]) -> Timeline | None:
    """The timeline of a conversation, or None when it is not a customer case (yet)."""
    ordered = sorted(posts, key=lambda p: (p.created_at, p.id))
    customer = [
        p
        for p in ordered
        if p.inbound and not p.filtered and not p.survey_answer and not p.listen_only
    ]
    agent = [p for p in ordered if not p.inbound]
    if not customer:
        return None
    brand_id = next((p.brand_id for p in agent if p.brand_id), None) or next(
        (p.brand_id for p in customer if p.brand_id), None
    )
    if brand_id is None:
        return None
    opened_at = customer[0].created_at
    first_response = next((p.created_at for p in agent if p.created_at >= opened_at), None)
    priorities = [Priority(p.priority) for p in customer if p.priority]
    last_agent = agent[-1].created_at if agent else None
    unanswered = [p for p in customer if last_agent is None or p.created_at > last_agent]
    return Timeline(
        brand_id=brand_id,
        customer_author_id=customer[0].author_id,
        opened_at=opened_at,
        first_response_at=first_response,
        last_customer_at=customer[-1].created_at,
        last_agent_at=agent[-1].created_at if agent else None,
        inbound_count=len(customer),
        outbound_count=len(agent),
        intent=customer[0].intent,
        sentiment=customer[-1].sentiment,
        language=customer[0].language,
        priority=max(priorities, key=lambda p: p.rank) if priorities else Priority.NORMAL,
        subject=customer[0].text[:280],
        network=customer[0].network,
        waiting_since=unanswered[0].created_at if unanswered else None,
        latest_confidence=customer[-1].intent_confidence,
    )


def next_status(
    current: CaseStatus, t: Timeline, resolved_at: datetime | None
) -> tuple[CaseStatus, bool]:
    """The status after the posts in `t`, and whether the customer reopened a resolved case."""
    if resolved_at is not None:
        if t.last_customer_at > resolved_at:
            return CaseStatus.OPEN, True
        return CaseStatus.RESOLVED, False
    if t.last_agent_at is not None and t.last_agent_at >= t.last_customer_at:
        return CaseStatus.PENDING, False
    if t.last_agent_at is not None or current in (CaseStatus.OPEN, CaseStatus.PENDING):
        return CaseStatus.OPEN, False
    return current, False
