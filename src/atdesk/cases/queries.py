"""Reading cases and their conversations for the inbox, the case page and the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from atdesk.accounts.access import in_brands, restrict
from atdesk.cases.schemas import CaseOut, PostOut, RiskReasonOut
from atdesk.cases.search import case_search_condition
from atdesk.cases.service import case_conversation_ids
from atdesk.domain.cases import WARN_BEFORE, View
from atdesk.domain.triage import Priority
from atdesk.models import (
    AuditEvent,
    Author,
    Case,
    CaseNote,
    CaseTag,
    CustomerHandle,
    Holiday,
    ReplyDraft,
    TriageCorrection,
)
from atdesk.models import Post as PostRow
from atdesk.models.base import utcnow

OPEN_STATUSES = ("new", "open", "pending")


# Written so no database uses the assignee index for it: most open cases have nobody, and
# the inbox index (which holds assignee_id) answers it from the index alone.
UNASSIGNED = func.coalesce(Case.assignee_id, 0) == 0


Q = TypeVar("Q", bound=Select[Any])


K = TypeVar("K")


VIEW_LABELS = {
    View.MINE: "Mine",
    View.UNASSIGNED: "Unassigned",
    View.TEAM: "My teams",
    View.ESCALATED: "Escalated",
    View.HIGH_RISK: "High risk",
    View.BREACHING: "Breaching SLA",
    View.ALL: "All open",
    View.NEEDS_REVIEW: "Needs review",
    View.HISTORY: "History",
}


# Needs review: open cases whose latest customer post triage labelled below this confidence,
# the same floor below which automation rules leave a post to a person (tested equal to
# automations.rules.DEFAULT_MIN_CONFIDENCE), so agents' corrections go where they teach most.
NEEDS_REVIEW_BELOW = 0.65


class HistoryScope(StrEnum):
    """Which cases a list holds: working ones (the default), history (ADR 73), or both."""

    EXCLUDE = "exclude"
    INCLUDE = "include"
    ONLY = "only"


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Inbox filters; None means any. `view` needs `user_id`/`team_ids` for mine and team."""

    status: str | None = None
    open_only: bool = True
    brand_id: int | None = None
    intent: str | None = None
    sentiment: str | None = None
    priority: str | None = None
    language: str | None = None
    network: str | None = None
    tag: str | None = None
    search: str | None = None
    # Cases that hold (True) or do not hold (False) a post triage flagged as spam / abuse.
    spam: bool | None = None
    abuse: bool | None = None
    view: View = View.ALL
    history: HistoryScope = HistoryScope.EXCLUDE
    user_id: int | None = None
    team_ids: tuple[int, ...] = ()
    team_brand_ids: frozenset[int] = frozenset()
    brand_ids: frozenset[int] | None = None
    now: datetime | None = field(default=None, compare=False)


def _view_condition(f: CaseFilter) -> ColumnElement[bool] | None:
    """What a view asks of an open case (None: every case, the 'All open' view).

    History is asked apart (`_history_condition`), so every view leaves history out.
    """
    if f.view is View.MINE:
        return Case.assignee_id == (f.user_id or -1)
    if f.view is View.UNASSIGNED:
        return UNASSIGNED
    if f.view is View.TEAM:
        return _team_condition(f)
    if f.view is View.ESCALATED:
        return Case.escalated.is_(True)
    if f.view is View.HIGH_RISK:
        return Case.risk_high == true()
    if f.view is View.BREACHING:
        return Case.sla_due_at <= (f.now or utcnow()) + WARN_BEFORE
    if f.view is View.NEEDS_REVIEW:
        return Case.latest_confidence < NEEDS_REVIEW_BELOW
    return None


def _history_condition(f: CaseFilter) -> ColumnElement[bool] | None:
    """Working cases only unless the History view or the filter's scope says otherwise.

    Written as an equality so both databases seek the inbox index, which holds history
    right after status.
    """
    scope = HistoryScope.ONLY if f.view is View.HISTORY else f.history
    if scope is HistoryScope.ONLY:
        return Case.history == true()
    if scope is HistoryScope.EXCLUDE:
        return Case.history == false()
    return None


def _team_condition(f: CaseFilter) -> ColumnElement[bool]:
    """My teams' queues: cases routed to them, and unrouted cases of their brands."""
    return or_(
        Case.team_id.in_(list(f.team_ids) or [-1]),
        and_(Case.team_id.is_(None), Case.brand_id.in_(sorted(f.team_brand_ids) or [-1])),
    )


def _status_condition(f: CaseFilter) -> ColumnElement[bool] | None:
    if f.status:
        return Case.status == f.status
    return Case.status.in_(OPEN_STATUSES) if f.open_only else None


def _match_conditions(f: CaseFilter, session: Session | None) -> list[ColumnElement[bool]]:
    """Everything a filter asks of a case apart from its status and the viewer's brand access."""
    conditions = [c for c in (_history_condition(f), _view_condition(f)) if c is not None]
    if f.brand_id is not None:
        conditions.append(Case.brand_id == f.brand_id)
    if f.intent:
        conditions.append(Case.intent == f.intent)
    if f.sentiment:
        conditions.append(Case.sentiment == f.sentiment)
    if f.priority:
        conditions.append(Case.priority_rank == _rank(f.priority))
    if f.language:
        conditions.append(Case.language == f.language)
    if f.network:
        conditions.append(Case.network == f.network)
    if f.tag:
        conditions.append(Case.id.in_(select(CaseTag.case_id).where(CaseTag.name == f.tag.lower())))
    for flag, column in ((f.spam, PostRow.spam), (f.abuse, PostRow.abuse)):
        if flag is not None:
            flagged = exists().where(PostRow.case_id == Case.id, column.is_(True))
            conditions.append(flagged if flag else ~flagged)
    if f.search and session is not None:
        condition = case_search_condition(session, f.search)
        if condition is not None:
            conditions.append(condition)
    return conditions


def _filtered(query: Q, f: CaseFilter, session: Session | None = None) -> Q:
    status = _status_condition(f)
    if status is not None:
        query = query.where(status)
    return restrict(query.where(*_match_conditions(f, session)), f.brand_ids)


def _rank(priority: str) -> int:
    """Priorities filter on their rank, which the inbox index holds."""
    try:
        return Priority(priority).rank
    except ValueError:
        return -1


def inbox_order(query: Q, view: View | None = None) -> Q:
    """Most pressing first: priority, then the SLA deadline nearest (none last), then age.

    Needs review lists the least confident first instead: where a correction teaches most;
    High risk the riskiest first.
    """
    if view is View.NEEDS_REVIEW:
        return query.order_by(Case.latest_confidence.asc(), Case.opened_at.asc(), Case.id.asc())
    if view is View.HIGH_RISK:
        return query.order_by(Case.risk_score.desc(), Case.opened_at.asc(), Case.id.asc())
    return query.order_by(
        Case.priority_rank.desc(),
        Case.sla_due_at.is_(None),
        Case.sla_due_at.asc(),
        Case.opened_at.asc(),
        Case.id.asc(),
    )


def count_cases(f: CaseFilter, session: Session | None = None) -> Select[Any]:
    """The statement counting a filter's cases (answered from the inbox index)."""
    return _filtered(select(func.count(Case.id)), f, session)


def list_cases(
    session: Session, f: CaseFilter, *, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Case], int]:
    """A page of cases, most pressing first, and the total.

    The page's ids come from the inbox index alone; only those rows are then loaded with
    their brand and customer, so sorting never drags whole rows along.
    """
    total = session.scalar(count_cases(f, session)) or 0
    ids = list(
        session.scalars(
            inbox_order(_filtered(select(Case.id), f, session), f.view).limit(limit).offset(offset)
        )
    )
    if not ids:
        return [], int(total)
    found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
    return [found[i] for i in ids if i in found], int(total)


def inbox_counts(
    session: Session, base: CaseFilter, saved: Mapping[K, CaseFilter]
) -> tuple[dict[View, int], dict[K, int]]:
    """The built-in views' counts and each saved view's, all in one pass over the inbox index.

    The viewer's brand access (`base.brand_ids`) limits the whole pass, so a saved view counts
    only cases its viewer may see. The pass covers open cases, widened only when a saved view
    asks for another status.
    """
    now = base.now or utcnow()
    statuses = set(OPEN_STATUSES) | {f.status for f in saved.values() if f.status}
    wide = statuses != set(OPEN_STATUSES)
    is_open = Case.status.in_(OPEN_STATUSES)
    builtin: dict[View, list[ColumnElement[bool] | None]] = {
        view: [
            is_open if wide else None,
            _history_condition(replace(base, view=view)),
            _view_condition(replace(base, view=view, now=now)),
        ]
        for view in View
    }
    own: dict[K, list[ColumnElement[bool] | None]] = {
        key: [
            _status_condition(f) if wide or f.status else None,
            *_match_conditions(replace(f, now=now), session),
        ]
        for key, f in saved.items()
    }
    columns = [_count_where(c) for c in (*builtin.values(), *own.values())]
    query = restrict(select(*columns).where(Case.status.in_(sorted(statuses))), base.brand_ids)
    row = [int(n or 0) for n in session.execute(query).one()]
    return dict(zip(builtin, row, strict=False)), dict(zip(own, row[len(builtin) :], strict=True))


def _count_where(conditions: list[ColumnElement[bool] | None]) -> ColumnElement[int]:
    """count(*) FILTER (WHERE all of these); a plain count when there is nothing to ask."""
    present = [c for c in conditions if c is not None]
    return func.count(Case.id).filter(and_(*present)) if present else func.count(Case.id)


def brand_counts(session: Session, base: CaseFilter) -> dict[int, int]:
    """Open cases per visible brand, for the brand views (grouped in index order).

    Working cases, or history ones when the filter is the History view (ADR 73).
    """
    history = _history_condition(base)
    query = restrict(
        select(Case.status, Case.brand_id, func.count(Case.id)).where(
            Case.status.in_(OPEN_STATUSES), *([history] if history is not None else [])
        ),
        base.brand_ids,
    ).group_by(Case.status, Case.history, Case.brand_id)
    totals: dict[int, int] = {}
    for _status, brand_id, n in session.execute(query):
        totals[brand_id] = totals.get(brand_id, 0) + int(n)
    return totals


def ids_in_view(session: Session, f: CaseFilter, *, limit: int = 500) -> list[int]:
    """Case ids of a filtered inbox, in inbox order (for bulk actions and j/k navigation)."""
    query = inbox_order(_filtered(select(Case.id), f, session), f.view)
    return list(session.scalars(query.limit(limit)))


def case_posts(session: Session, case: Case) -> Sequence[PostRow]:
    """The whole case in time order: its public thread and the linked private messages."""
    return session.scalars(
        select(PostRow)
        .where(PostRow.conversation_id.in_(case_conversation_ids(session, case)))
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
        history=case.history,
        sla_due_at=case.sla_due_at,
        risk_score=case.risk_score or 0,
        risk_reasons=[RiskReasonOut.model_validate(r) for r in case.risk_reasons or []],
        risk_high=bool(case.risk_high),
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
        model_version=post.model_version,
        sentiment=post.sentiment,
        language=post.language,
        spam=post.spam,
        abuse=post.abuse,
        pii=post.pii,
        priority=post.priority,
        entities=post.entities or {},
        edited_at=post.edited_at,
        deleted_at=post.deleted_at,
        heard_as=post.heard_as,
        listen_only=bool(post.listen_only),
    )


def case_count(session: Session, f: CaseFilter) -> int:
    """How many cases a filter finds (one count from the inbox index)."""
    return int(session.scalar(count_cases(f, session)) or 0)


def tags_by_case(session: Session, case_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tag names of these cases, by case id (cases without tags are absent)."""
    tags: dict[int, list[str]] = {}
    if case_ids:
        for case_id, name in session.execute(
            select(CaseTag.case_id, CaseTag.name).where(CaseTag.case_id.in_(case_ids))
        ):
            tags.setdefault(case_id, []).append(name)
    return tags


def visible_cases_among(
    session: Session, case_ids: Sequence[int], brand_ids: frozenset[int] | None
) -> list[Case]:
    """Those of these cases that belong to the viewer's brands (None: every brand)."""
    return list(session.scalars(restrict(select(Case).where(Case.id.in_(case_ids)), brand_ids)))


def customer_authors(session: Session, customer_id: int) -> Sequence[Author]:
    """The network authors linked to one customer."""
    return session.scalars(select(Author).where(Author.customer_id == customer_id)).all()


def customer_handles(session: Session, customer_id: int) -> Sequence[CustomerHandle]:
    """The handles an agent recorded for one customer."""
    return session.scalars(
        select(CustomerHandle).where(CustomerHandle.customer_id == customer_id)
    ).all()


def other_cases_of(
    session: Session,
    case_id: int,
    *,
    customer_id: int | None,
    author_ids: Sequence[int],
    limit: int = 8,
) -> Sequence[Case]:
    """The customer's other cases, newest first: by the customer (when known) or its authors."""
    by_author = Case.customer_author_id.in_(author_ids)
    scope = by_author if customer_id is None else or_(Case.customer_id == customer_id, by_author)
    return session.scalars(
        select(Case).where(scope, Case.id != case_id).order_by(Case.opened_at.desc()).limit(limit)
    ).all()


def case_notes(session: Session, case_id: int) -> Sequence[CaseNote]:
    """The internal notes of a case (the timeline orders them)."""
    return session.scalars(select(CaseNote).where(CaseNote.case_id == case_id)).all()


def unsent_drafts(session: Session, case_id: int) -> Sequence[ReplyDraft]:
    """The reply drafts of a case not sent yet (the timeline orders them)."""
    return session.scalars(
        select(ReplyDraft).where(ReplyDraft.case_id == case_id, ReplyDraft.status != "sent")
    ).all()


def latest_audit_id(session: Session) -> int:
    """The newest audit event id (0 before the first), what live pages poll for change."""
    return int(session.scalar(select(func.max(AuditEvent.id))) or 0)


def cases_changed_between(
    session: Session, after: int, upto: int, brand_ids: frozenset[int] | None = None
) -> list[int]:
    """Ids of the cases of these brands (None: every brand) audited after one id up to another."""
    query = (
        select(AuditEvent.entity_id)
        .join(Case, Case.id == AuditEvent.entity_id)
        .where(
            AuditEvent.id > after,
            AuditEvent.id <= upto,
            AuditEvent.entity_type == "case",
        )
        .distinct()
        .limit(500)
    )
    return sorted(session.scalars(restrict(query, brand_ids)))


def brand_holidays(session: Session, brand_id: int) -> Sequence[Holiday]:
    """A brand's holidays by day (its SLA clocks stop on them)."""
    return session.scalars(
        select(Holiday).where(Holiday.brand_id == brand_id).order_by(Holiday.day)
    ).all()


def posts_page(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    case_id: int | None = None,
    conversation_id: int | None = None,
    heard_as: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[PostRow], int]:
    """A page of the posts of these brands' cases in time order (of one case or conversation,
    or heard one way, when asked), and how many there are in all."""
    query = select(PostRow)
    count = select(func.count(PostRow.id))
    if brand_ids is not None:
        # A post kept with no case (heard as a mention, or filtered) is its brand's to see.
        mine = or_(
            PostRow.case_id.in_(restrict(select(Case.id), brand_ids)),
            and_(PostRow.case_id.is_(None), in_brands(PostRow.brand_id, brand_ids)),
        )
        query, count = query.where(mine), count.where(mine)
    if case_id is not None:
        query, count = (
            query.where(PostRow.case_id == case_id),
            count.where(PostRow.case_id == case_id),
        )
    if conversation_id is not None:
        query = query.where(PostRow.conversation_id == conversation_id)
        count = count.where(PostRow.conversation_id == conversation_id)
    if heard_as is not None:
        query, count = (
            query.where(PostRow.heard_as == heard_as),
            count.where(PostRow.heard_as == heard_as),
        )
    rows = session.scalars(
        query.order_by(PostRow.created_at, PostRow.id).limit(limit).offset(offset)
    ).all()
    return rows, int(session.scalar(count) or 0)


def corrections_page(
    session: Session, brand_ids: frozenset[int] | None, *, limit: int = 500, offset: int = 0
) -> tuple[Sequence[TriageCorrection], int]:
    """A page of the triage corrections on these brands' cases, newest first, and the total."""
    query = select(TriageCorrection)
    count = select(func.count(TriageCorrection.id))
    if brand_ids is not None:
        mine = restrict(select(Case.id), brand_ids)
        query = query.where(TriageCorrection.case_id.in_(mine))
        count = count.where(TriageCorrection.case_id.in_(mine))
    rows = session.scalars(
        query.order_by(TriageCorrection.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, int(session.scalar(count) or 0)
