"""Opening, updating, merging and resolving cases; services flush, the boundary commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atdesk.cases import audit
from atdesk.cases.lifecycle import PostFacts, Timeline, next_status, timeline
from atdesk.domain.cases import CaseStatus
from atdesk.domain.triage import Priority
from atdesk.models import Case, User
from atdesk.models import Post as PostRow
from atdesk.models.base import utcnow

AUDITED_FIELDS = ("status", "priority", "assignee_id", "brand_id", "intent", "resolved_at")


@dataclass(frozen=True, slots=True)
class CaseChange:
    """What happened to a case in one unit of work, for the bus and for automations."""

    case_id: int
    event: str


def snapshot(case: Case, names: Iterable[str] = AUDITED_FIELDS) -> dict[str, Any]:
    """The audited fields of a case as JSON-ready values."""
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(case, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


def _seconds(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else max(0, int((end - start).total_seconds()))


def _facts(rows: Iterable[PostRow]) -> list[PostFacts]:
    return [
        PostFacts(
            id=row.id,
            created_at=row.created_at,
            inbound=row.inbound,
            filtered=row.filtered_reason is not None,
            author_id=row.author_id,
            brand_id=row.brand_id,
            intent=row.intent,
            sentiment=row.sentiment,
            language=row.language,
            priority=row.priority,
            text=row.text,
            network=row.network,
        )
        for row in rows
    ]


def sync_cases(session: Session, conversation_ids: Iterable[int]) -> list[CaseChange]:
    """Bring each conversation's case in line with its posts: open, update, reopen or leave."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return []
    posts: dict[int, list[PostRow]] = defaultdict(list)
    cases: dict[int, Case] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in session.scalars(select(PostRow).where(PostRow.conversation_id.in_(chunk))):
            assert row.conversation_id is not None
            posts[row.conversation_id].append(row)
        for case in session.scalars(select(Case).where(Case.conversation_id.in_(chunk))):
            cases[case.conversation_id] = case
    pending: list[tuple[Case, str, dict[str, Any], list[PostRow]]] = []
    for conversation_id in ids:
        rows = posts.get(conversation_id, [])
        t = timeline(_facts(rows))
        if t is None:
            continue
        existing = cases.get(conversation_id)
        if existing is not None:
            case, event, before = existing, "updated", snapshot(existing)
        else:
            case = Case(
                conversation_id=conversation_id,
                brand_id=t.brand_id,
                customer_author_id=t.customer_author_id,
                status=CaseStatus.NEW.value,
                opened_at=t.opened_at,
                network=t.network,
                reopen_count=0,
            )
            session.add(case)
            event, before = "opened", {}
        status, reopened = next_status(CaseStatus(case.status), t, case.resolved_at)
        if reopened:
            case.reopen_count = (case.reopen_count or 0) + 1
            case.resolved_at = None
            case.resolution_seconds = None
            case.resolved_by = None
            event = "reopened"
        _apply_timeline(case, t, status)
        pending.append((case, event, before, rows))
    session.flush()
    changes: list[CaseChange] = []
    for case, event, before, rows in pending:
        for row in rows:
            if row.case_id != case.id:
                row.case_id = case.id
        after = snapshot(case)
        if event != "updated" or after != before:
            audit.record(
                session,
                entity_type="case",
                entity_id=case.id,
                action=f"case.{event}",
                actor=audit.PIPELINE,
                before=before,
                after=after,
            )
            changes.append(CaseChange(case.id, event))
    session.flush()
    return changes


def _apply_timeline(case: Case, t: Timeline, status: CaseStatus) -> None:
    """Copy what the posts say onto the case (fields agents set by hand are left alone)."""
    case.status = status.value
    case.brand_id = case.brand_id or t.brand_id
    case.customer_author_id = t.customer_author_id
    case.opened_at = t.opened_at
    case.first_response_at = t.first_response_at
    case.first_response_seconds = _seconds(t.opened_at, t.first_response_at)
    case.last_customer_at = t.last_customer_at
    case.last_agent_at = t.last_agent_at
    case.inbound_count = t.inbound_count
    case.outbound_count = t.outbound_count
    case.intent = t.intent
    case.sentiment = t.sentiment
    case.language = t.language
    case.priority = t.priority.value
    case.priority_rank = t.priority.rank
    case.subject = t.subject
    case.network = t.network


def merge_conversation_cases(session: Session, target: int, sources: Sequence[int]) -> None:
    """When conversations merge, their cases merge into the oldest; the merge is audited."""
    found = list(session.scalars(select(Case).where(Case.conversation_id.in_([target, *sources]))))
    if not found:
        return
    keeper = next((c for c in found if c.conversation_id == target), None) or min(
        found, key=lambda c: c.id
    )
    for case in found:
        if case is keeper:
            continue
        session.execute(update(PostRow).where(PostRow.case_id == case.id).values(case_id=keeper.id))
        audit.record(
            session,
            entity_type="case",
            entity_id=keeper.id,
            action="case.merged",
            actor=audit.PIPELINE,
            before={"merged_case_id": case.id, **snapshot(case)},
            after=snapshot(keeper),
        )
        if keeper.assignee_id is None and case.assignee_id is not None:
            keeper.assignee_id = case.assignee_id
        session.delete(case)
    session.flush()
    keeper.conversation_id = target
    session.flush()


def resolve(session: Session, case: Case, *, actor: User | str, at: datetime | None = None) -> None:
    """Mark a case resolved now (or at `at`), recording resolution time and the audit event."""
    if case.status == CaseStatus.RESOLVED.value:
        return
    before = snapshot(case)
    when = at or utcnow()
    case.status = CaseStatus.RESOLVED.value
    case.resolved_at = when
    case.resolution_seconds = _seconds(case.opened_at, when)
    case.resolved_by = actor.username if isinstance(actor, User) else actor
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="case.resolved",
        actor=actor,
        before=before,
        after=snapshot(case),
    )


def auto_resolve(session: Session, *, now: datetime, after: timedelta) -> int:
    """Resolve pending cases whose customer stayed silent for `after` since the agent's reply.

    The resolution time is the agent's last reply: that is when the work was done, and it
    keeps replayed history honest however long after the fact it is loaded.
    """
    cutoff = now - after
    stale = session.scalars(
        select(Case).where(
            Case.status == CaseStatus.PENDING.value,
            Case.last_agent_at.is_not(None),
            Case.last_agent_at <= cutoff,
        )
    ).all()
    for case in stale:
        assert case.last_agent_at is not None
        resolve(session, case, actor="auto-resolve", at=case.last_agent_at)
    session.flush()
    return len(stale)


def set_priority(session: Session, case: Case, priority: Priority, *, actor: User | str) -> None:
    """Change a case's priority by hand, audited."""
    before = snapshot(case)
    case.priority = priority.value
    case.priority_rank = priority.rank
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="case.priority",
        actor=actor,
        before=before,
        after=snapshot(case),
    )
    session.flush()
