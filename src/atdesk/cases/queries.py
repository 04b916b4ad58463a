"""Reading cases and their conversations for the inbox, the case page and the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from atdesk.cases.schemas import CaseOut, PostOut
from atdesk.models import AuditEvent, Case
from atdesk.models import Post as PostRow

OPEN_STATUSES = ("new", "open", "pending")
Q = TypeVar("Q", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Inbox filters; None means any."""

    status: str | None = None
    open_only: bool = True
    brand_id: int | None = None
    intent: str | None = None
    sentiment: str | None = None
    priority: str | None = None


def _filtered(query: Q, f: CaseFilter) -> Q:
    if f.status:
        query = query.where(Case.status == f.status)
    elif f.open_only:
        query = query.where(Case.status.in_(OPEN_STATUSES))
    if f.brand_id is not None:
        query = query.where(Case.brand_id == f.brand_id)
    if f.intent:
        query = query.where(Case.intent == f.intent)
    if f.sentiment:
        query = query.where(Case.sentiment == f.sentiment)
    if f.priority:
        query = query.where(Case.priority == f.priority)
    return query


def list_cases(
    session: Session, f: CaseFilter, *, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Case], int]:
    """A page of cases, most pressing first (priority, then the oldest waiting), and the total."""
    total = session.scalar(_filtered(select(func.count(Case.id)), f)) or 0
    rows = session.scalars(
        _filtered(select(Case), f)
        .order_by(Case.priority_rank.desc(), Case.opened_at.asc(), Case.id.asc())
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, int(total)


def conversation_posts(session: Session, conversation_id: int) -> Sequence[PostRow]:
    """Every post of a conversation in time order."""
    return session.scalars(
        select(PostRow)
        .where(PostRow.conversation_id == conversation_id)
        .order_by(PostRow.created_at, PostRow.id)
    ).all()


def case_audit(session: Session, case_id: int) -> Sequence[AuditEvent]:
    """The audit trail of a case, newest first."""
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()


def case_out(case: Case) -> CaseOut:
    """The API view of a case."""
    return CaseOut(
        id=case.id,
        brand_id=case.brand_id,
        brand=case.brand.name,
        conversation_id=case.conversation_id,
        customer_author_id=case.customer_author_id,
        customer_handle=case.customer_author.handle,
        customer_id=case.customer_id,
        network=case.network,
        status=case.status,
        priority=case.priority,
        intent=case.intent,
        sentiment=case.sentiment,
        language=case.language,
        subject=case.subject,
        assignee_id=case.assignee_id,
        opened_at=case.opened_at,
        first_response_at=case.first_response_at,
        first_response_seconds=case.first_response_seconds,
        last_customer_at=case.last_customer_at,
        last_agent_at=case.last_agent_at,
        resolved_at=case.resolved_at,
        resolution_seconds=case.resolution_seconds,
        reopen_count=case.reopen_count,
    )


def post_out(post: PostRow) -> PostOut:
    """The API view of a post."""
    return PostOut(
        id=post.id,
        network=post.network,
        native_id=post.native_id,
        conversation_id=post.conversation_id,
        case_id=post.case_id,
        brand_id=post.brand_id,
        author_handle=post.author.handle,
        text=post.text,
        created_at=post.created_at,
        in_reply_to=post.in_reply_to,
        inbound=post.inbound,
        direct=post.direct,
        coordinates=[post.lat, post.lon] if post.lat is not None and post.lon is not None else None,
        filtered_reason=post.filtered_reason,
        intent=post.intent,
        intent_confidence=post.intent_confidence,
        sentiment=post.sentiment,
        language=post.language,
        spam=post.spam,
        abuse=post.abuse,
        pii=post.pii,
        priority=post.priority,
        entities=post.entities or {},
        edited_at=post.edited_at,
        deleted_at=post.deleted_at,
    )
