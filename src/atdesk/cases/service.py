"""Opening, updating, merging and resolving cases; services flush, the boundary commits."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnDefault, ColumnElement, delete, insert, select, union, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, defer, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from atdesk.audit import service as audit
from atdesk.cases.community import ThreadPost, find_answers
from atdesk.cases.lifecycle import PostFacts, Timeline, next_status, timeline
from atdesk.cases.risk import RiskPost, risk_threshold, score_risk
from atdesk.cases.routing import route_cases
from atdesk.cases.sensitivity import InboundFacts, assess, merged_reasons
from atdesk.cases.sla import Clocks, apply_clocks, clocks_for, load_brand_slas
from atdesk.domain.cases import CaseStatus
from atdesk.models import (
    AuditEvent,
    Brand,
    Case,
    CaseConversation,
    CaseNote,
    CaseTag,
    CommunityAnswer,
    ReplyDraft,
    SurveyResponse,
    TriageCorrection,
    User,
)
from atdesk.models import Post as PostRow
from atdesk.models.base import table_of, utcnow
from atdesk.storage.bulk import insert_with_ids
from atdesk.storage.session import transaction

AUDITED_FIELDS = (
    "status",
    "priority",
    "assignee_id",
    "team_id",
    "brand_id",
    "intent",
    "resolved_at",
    "escalated",
    "sensitive",
    "history",
    "inbound_count",
    "outbound_count",
    "risk_high",
)
JOIN_DM_WITHIN = timedelta(days=3)


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


def _facts(
    rows: Iterable[PostRow], survey_answers: frozenset[int] = frozenset()
) -> list[PostFacts]:
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
            survey_answer=row.id in survey_answers,
            intent_confidence=row.intent_confidence,
            listen_only=bool(row.listen_only),
        )
        for row in rows
    ]


def _survey_answers(session: Session, rows: Iterable[PostRow]) -> frozenset[int]:
    """The posts among these that answer a satisfaction survey (only private messages can),
    with the quiet comments after a low score (ADR 93): the customer's words on a case that
    was still resolved."""
    ids = sorted(r.id for r in rows if r.inbound and r.direct)
    found: set[int | None] = set()
    for chunk in _chunks(ids):
        answers = select(SurveyResponse.post_id).where(SurveyResponse.post_id.in_(chunk))
        comments = select(SurveyResponse.comment_post_id).where(
            SurveyResponse.comment_post_id.in_(chunk), SurveyResponse.comment_quiet.is_(True)
        )
        found.update(session.scalars(union(answers, comments)))
    return frozenset(p for p in found if p is not None)


def sync_cases(
    session: Session,
    conversation_ids: Iterable[int],
    *,
    history: bool = False,
    live_arrivals: Mapping[int, datetime] | None = None,
) -> list[CaseChange]:
    """Bring each conversation's case in line with its posts: open, update, reopen or leave.

    A case holds its own conversation plus any private-message conversations linked to it,
    so public replies and DMs of the same customer make one case. After the posts, the case
    gets its sensitivity, escalation and SLA clocks; new cases are routed. A history sync
    opens history cases (ADR 73); `live_arrivals` (conversation id -> its earliest new live
    customer post) makes the history cases they reach working ones, clocked from that post.
    """
    ids = sorted(set(conversation_ids))
    if not ids:
        return []
    own: dict[int, Case] = {}
    linked: dict[int, int] = {}
    for chunk in _chunks(ids):
        for case in session.scalars(select(Case).where(Case.conversation_id.in_(chunk))):
            own[case.conversation_id] = case
        for conversation_id, case_id in session.execute(
            select(CaseConversation.conversation_id, CaseConversation.case_id).where(
                CaseConversation.conversation_id.in_(chunk)
            )
        ):
            linked[conversation_id] = case_id
    by_id = {c.id: c for c in own.values()}
    missing = sorted(set(linked.values()) - set(by_id))
    for chunk in _chunks(missing):
        by_id.update({c.id: c for c in session.scalars(select(Case).where(Case.id.in_(chunk)))})
    members = _members(session, sorted(by_id))
    for case in by_id.values():
        members[case.id].add(case.conversation_id)
    posts = _posts_by_conversation(
        session,
        sorted(set(ids) | {cid for group in members.values() for cid in group}),
        for_sync=True,
    )
    answers = _survey_answers(session, (r for rows in posts.values() for r in rows))

    groups: list[tuple[Case | None, int, list[PostRow]]] = []
    seen_cases: set[int] = set()
    for conversation_id in ids:
        holder = own.get(conversation_id) or by_id.get(linked.get(conversation_id, -1))
        if holder is not None:
            if holder.id in seen_cases:
                continue
            seen_cases.add(holder.id)
            rows = [r for cid in sorted(members[holder.id]) for r in posts.get(cid, [])]
            groups.append((holder, holder.conversation_id, rows))
        else:
            groups.append((None, conversation_id, posts.get(conversation_id, [])))

    pending: list[tuple[Case, str, dict[str, Any], list[PostRow], Timeline]] = []
    woken: list[Case] = []
    fresh: list[Case] = []  # new cases, inserted together (before a read that must see them)
    for existing, conversation_id, rows in groups:
        t = timeline(_facts(rows, answers))
        if t is None:
            continue
        if existing is None and rows and all(r.direct for r in rows):
            insert_cases(session, fresh)
            existing = _case_to_join(session, t)
            if existing is not None:
                rows = [*_posts_of_case(session, existing), *rows]
                session.add(CaseConversation(conversation_id=conversation_id, case_id=existing.id))
                t = timeline(_facts(rows, _survey_answers(session, rows))) or t
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
                history=history,
            )
            fresh.append(case)
            event, before = "opened", {}
        status, reopened = next_status(CaseStatus(case.status), t, case.resolved_at)
        if reopened:
            case.reopen_count = (case.reopen_count or 0) + 1
            case.resolved_at = None
            case.resolution_seconds = None
            case.resolved_by = None
            event = "reopened"
        _apply_timeline(case, t, status)
        if case.history and _wake(case, conversation_id, members, live_arrivals or {}):
            woken.append(case)
        pending.append((case, event, before, rows, t))
    # The flags and clocks are set before the first flush, so a new case is one INSERT (not
    # an INSERT and then an UPDATE of the same row and its indexes).
    with session.no_autoflush:
        brands = {
            b.id: b
            for b in session.scalars(
                select(Brand).where(Brand.id.in_({c.brand_id for c, *_ in pending}))
            )
        }
        slas = load_brand_slas(session, brands)
        for case, _, _, rows, t in pending:
            settings = brands[case.brand_id].settings or {}
            _apply_sensitivity(case, rows, settings)
            _apply_risk(case, rows, settings)
            apply_clocks(case, clocks_for(case, slas[case.brand_id], waiting_since=t.waiting_since))
    insert_cases(session, fresh)
    session.flush()
    changes: list[CaseChange] = []
    opened: list[Case] = []
    moves = [
        {"id": row.id, "case_id": case.id}
        for case, _, _, rows, _ in pending
        for row in rows
        if row.case_id != case.id
    ]
    if moves:
        # One executemany instead of an UPDATE per post through the unit of work.
        session.execute(update(PostRow), moves, execution_options={"synchronize_session": False})
        for case, _, _, rows, _ in pending:
            for row in rows:
                set_committed_value(row, "case_id", case.id)
    # Only conversations where someone besides the customer and the brand wrote can hold
    # community answers: most batches have none, and then ask the database nothing more.
    helped = {case.id for case, _, _, rows, _ in pending if _others_wrote(case, rows)}
    rows_of = {case.id: rows for case, _, _, rows, _ in pending if case.id in helped}
    answers_now = _community_answers_of(session, sorted(helped))
    trail: list[dict[str, Any]] = []
    for case, event, before, _, _ in pending:
        if case.id in helped:
            _apply_community_answers(session, case, rows_of[case.id], answers_now.get(case.id, {}))
        if (event == "opened" and not case.history) or case in woken:
            opened.append(case)
        after = snapshot(case)
        if event != "updated" or after != before:
            trail.append(_pipeline_audit(case.id, f"case.{event}", before, after))
            changes.append(CaseChange(case.id, event))
    if trail:
        # One executemany for the batch's audit rows instead of an ORM object each.
        session.execute(insert(table_of(AuditEvent)), trail)
    session.flush()
    if opened:
        route_cases(session, opened, now=utcnow())
    return changes


def insert_cases(session: Session, cases: list[Case]) -> None:
    """New cases in one INSERT ... RETURNING, then made persistent as if just read: the unit
    of work would insert them a statement per row (ADR 105). Empties the list."""
    if not cases:
        return
    rows: list[dict[str, Any]] = []
    for case in cases:
        given = case.__dict__
        for prop in _CASE_COLUMNS:
            if prop.key not in given:
                # Every column gets its value now; one left unset would be read back later.
                setattr(case, prop.key, _default_of(prop.columns[0]))
        rows.append({prop.columns[0].key: given[prop.key] for prop in _CASE_COLUMNS})
    ids = insert_with_ids(session, table_of(Case), rows)
    for case, case_id in zip(cases, ids, strict=True):
        case.id = case_id
        make_transient_to_detached(case)
        session.add(case)
    cases.clear()


# Every column a new case row is given (the id comes from the insert).
_CASE_COLUMNS = [p for p in sa_inspect(Case).column_attrs if not p.columns[0].primary_key]


def _default_of(column: ColumnElement[Any]) -> Any:
    """The value the column's Python-side default gives a new row (None without one)."""
    default = getattr(column, "default", None)
    if default is None or not isinstance(default, ColumnDefault):
        return None
    return default.arg(None) if default.is_callable else default.arg


def _pipeline_audit(
    case_id: int, action: str, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, Any]:
    """The audit row `audit.record` would add for the pipeline's change to a case, as values
    for a bulk insert."""
    return {
        "at": utcnow(),
        "actor": audit.PIPELINE,
        "actor_user_id": None,
        "entity_type": "case",
        "entity_id": case_id,
        "action": action,
        "before": before,
        "after": after,
    }


def _wake(
    case: Case,
    conversation_id: int,
    members: Mapping[int, set[int]],
    live_arrivals: Mapping[int, datetime],
) -> bool:
    """A customer wrote live into a history case: it becomes a working case from that post."""
    held = {conversation_id, *(members.get(case.id, set()) if case.id is not None else set())}
    arrived = [live_arrivals[c] for c in held if c in live_arrivals]
    if not arrived:
        return False
    case.history = False
    case.live_since = min(arrived)
    return True


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _members(session: Session, case_ids: Sequence[int]) -> dict[int, set[int]]:
    """Every conversation each case holds besides its own."""
    out: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(case_ids):
        for conversation_id, case_id in session.execute(
            select(CaseConversation.conversation_id, CaseConversation.case_id).where(
                CaseConversation.case_id.in_(chunk)
            )
        ):
            out[case_id].add(conversation_id)
    return out


# The JSON columns the case sync never reads: left unloaded (not decoded for every post of every
# touched conversation); touching one later loads it.
_UNREAD_BY_SYNC = (
    defer(PostRow.raw),
    defer(PostRow.entities),
    defer(PostRow.media),
    defer(PostRow.triage_notes),
)


def _posts_by_conversation(
    session: Session, ids: Sequence[int], *, for_sync: bool = False
) -> dict[int, list[PostRow]]:
    posts: dict[int, list[PostRow]] = defaultdict(list)
    query = select(PostRow)
    if for_sync:
        query = query.options(*_UNREAD_BY_SYNC)
    for chunk in _chunks(ids):
        for row in session.scalars(query.where(PostRow.conversation_id.in_(chunk))):
            assert row.conversation_id is not None
            posts[row.conversation_id].append(row)
    return posts


def _posts_of_case(session: Session, case: Case) -> list[PostRow]:
    conversations = {case.conversation_id, *_members(session, [case.id])[case.id]}
    return [
        r for rows in _posts_by_conversation(session, sorted(conversations)).values() for r in rows
    ]


def _case_to_join(session: Session, t: Timeline) -> Case | None:
    """The case a new private thread belongs to: the customer's latest open (or just resolved)
    case with the same brand, so a move to DM continues the case instead of opening another."""
    case = session.scalar(
        select(Case)
        .where(Case.customer_author_id == t.customer_author_id, Case.brand_id == t.brand_id)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(1)
    )
    if case is None:
        return None
    if case.resolved_at is not None and t.opened_at - case.resolved_at > JOIN_DM_WITHIN:
        return None
    return case


def link_conversation(session: Session, case: Case, conversation_id: int) -> None:
    """Make a conversation (a DM thread the agent opened) part of a case."""
    if conversation_id == case.conversation_id:
        return
    row = session.get(CaseConversation, conversation_id)
    if row is None:
        session.add(CaseConversation(conversation_id=conversation_id, case_id=case.id))
    else:
        row.case_id = case.id
    session.flush()


def case_conversation_ids(session: Session, case: Case) -> list[int]:
    """The case's own conversation and every linked one."""
    return sorted({case.conversation_id, *_members(session, [case.id])[case.id]})


def _apply_sensitivity(case: Case, rows: Sequence[PostRow], settings: dict[str, Any]) -> None:
    """Sensitive and escalated flags from the customer's posts; flags set by hand stay."""
    verdict = assess(
        [
            InboundFacts(r.text, r.author.followers, r.author.verified, r.intent)
            for r in rows
            if r.inbound and r.filtered_reason is None
        ],
        settings,
    )
    reasons = merged_reasons(case.sensitive_reasons or [], verdict)
    if reasons != list(case.sensitive_reasons or []):
        case.sensitive_reasons = reasons
    case.sensitive = bool(reasons)
    if verdict.aimed_at_executive:
        case.escalated = True


def _apply_risk(case: Case, rows: Sequence[PostRow], settings: Mapping[str, Any]) -> None:
    """The reputation risk of the conversation as it stands (ADR 89), measured at its latest
    post so history and live score alike; the high-risk flag follows the brand's threshold."""
    customer = case.customer_author_id
    said = [r for r in rows if r.inbound and r.filtered_reason is None and r.author_id == customer]
    if not said:
        return
    brand_posts = {r.native_id for r in rows if not r.inbound}
    others = [r for r in rows if r.inbound and r.author_id != customer]
    risk = score_risk(
        [
            RiskPost(
                r.text,
                r.sentiment,
                r.author.followers,
                r.author.verified,
                under_brand_post=r.in_reply_to in brand_posts,
            )
            for r in said
        ],
        replies=[r.created_at for r in others if r.filtered_reason is None],
        reposts=[r.created_at for r in others if r.filtered_reason == "repost"],
        now=max(r.created_at for r in rows),
        watched_handles=settings.get("watched_handles", []),
        high_reach_followers=int(settings.get("high_reach_followers", 10_000)),
    )
    if case.risk_score != risk.score:
        case.risk_score = risk.score
    reasons = risk.as_json()
    if list(case.risk_reasons or []) != reasons:
        case.risk_reasons = reasons
    case.risk_high = risk.score >= risk_threshold(settings)


def _others_wrote(case: Case, rows: Sequence[PostRow]) -> bool:
    """Someone besides the case's customer and the brand wrote in its conversation."""
    return any(r.inbound and r.author_id != case.customer_author_id for r in rows)


def _community_answers_of(
    session: Session, case_ids: Sequence[int]
) -> dict[int, dict[int, CommunityAnswer]]:
    """The stored community answers of these cases, by case and post."""
    out: dict[int, dict[int, CommunityAnswer]] = defaultdict(dict)
    for chunk in _chunks(case_ids):
        for row in session.scalars(
            select(CommunityAnswer).where(CommunityAnswer.case_id.in_(chunk))
        ):
            out[row.case_id][row.post_id] = row
    return out


def _apply_community_answers(
    session: Session, case: Case, rows: Sequence[PostRow], stored: Mapping[int, CommunityAnswer]
) -> None:
    """Recognise other customers' answers to the customer's questions (cases/community.py)."""
    customer = case.customer_author_id
    found = {
        a.post_id: a
        for a in find_answers(
            [
                ThreadPost(
                    id=r.id,
                    native_id=r.native_id,
                    author_id=r.author_id,
                    handle=r.author.handle,
                    text=r.text,
                    in_reply_to=r.in_reply_to,
                    inbound=r.inbound,
                    filtered=r.filtered_reason is not None,
                    intent=r.intent,
                    sentiment=r.sentiment,
                    created_at=r.created_at,
                )
                for r in rows
                if not r.direct
            ],
            customer,
        )
    }
    for post_id, gone in stored.items():
        if post_id not in found:
            session.delete(gone)
    written = {r.id: r.created_at for r in rows}
    for post_id, answer in found.items():
        row = stored.get(post_id)
        if row is None:
            # Recognised when its post was written, so history counts advocates as they were.
            row = CommunityAnswer(post_id=post_id, recognised_at=written[post_id])
            session.add(row)
        row.case_id = case.id
        row.brand_id = case.brand_id
        row.author_id = answer.author_id
        row.question_post_id = answer.question_post_id
        row.score = answer.score
        row.reasons = list(answer.reasons)
        row.thanked = answer.thanked


def recompute_clocks(session: Session, cases: Sequence[Case]) -> None:
    """Set SLA due times again after a change by hand (priority, resolve, reopen, policy)."""
    if not cases:
        return
    slas = load_brand_slas(session, {c.brand_id for c in cases})
    members = _members(session, [c.id for c in cases])
    for case in cases:
        members[case.id].add(case.conversation_id)
    posts = _posts_by_conversation(
        session, sorted({cid for group in members.values() for cid in group})
    )
    for case in cases:
        rows = [r for cid in sorted(members[case.id]) for r in posts.get(cid, [])]
        t = timeline(_facts(rows, _survey_answers(session, rows)))
        apply_clocks(
            case,
            clocks_for(case, slas[case.brand_id], waiting_since=t.waiting_since if t else None),
        )


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
    case.latest_confidence = t.latest_confidence
    case.sentiment = t.sentiment
    case.language = t.language
    if not case.priority_manual:
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
        if keeper.history and not case.history:
            keeper.history = False
            keeper.live_since = case.live_since or case.opened_at
        _move_case_children(session, case.id, keeper.id)
        session.delete(case)
    session.flush()
    keeper.conversation_id = target
    session.flush()


def _move_case_children(session: Session, source: int, target: int) -> None:
    """Notes, tags, drafts, corrections and DM links follow a case merged into another."""
    for model in (CaseNote, ReplyDraft, TriageCorrection, CaseConversation, CommunityAnswer):
        session.execute(update(model).where(model.case_id == source).values(case_id=target))
    kept = set(session.scalars(select(CaseTag.name).where(CaseTag.case_id == target)))
    for name in session.scalars(select(CaseTag.name).where(CaseTag.case_id == source)).all():
        if name not in kept:
            session.add(CaseTag(case_id=target, name=name))
    session.execute(delete(CaseTag).where(CaseTag.case_id == source))
    session.flush()


def resolve(session: Session, case: Case, *, actor: User | str, at: datetime | None = None) -> None:
    """Mark a case resolved now (or at `at`), recording resolution time and the audit event."""
    if case.status == CaseStatus.RESOLVED.value:
        return
    before = _mark_resolved(case, actor, at or utcnow())
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="case.resolved",
        actor=actor,
        before=before,
        after=snapshot(case),
    )


def _mark_resolved(case: Case, actor: User | str, when: datetime) -> dict[str, Any]:
    """Set a case resolved at `when` with no clocks; returns its audited fields before."""
    before = snapshot(case)
    case.status = CaseStatus.RESOLVED.value
    case.resolved_at = when
    case.resolution_seconds = _seconds(case.opened_at, when)
    case.resolved_by = actor.username if isinstance(actor, User) else actor
    apply_clocks(case, Clocks(None, None, None))
    return before


AUTO_RESOLVE_CHUNK = 2_000  # cases resolved per short transaction by auto_resolve_all


def _silent(now: datetime, after: timedelta) -> list[ColumnElement[bool]]:
    """Pending cases whose customer stayed silent for `after` since the agent's reply."""
    return [
        Case.status == CaseStatus.PENDING.value,
        Case.last_agent_at.is_not(None),
        Case.last_agent_at <= now - after,
    ]


def auto_resolve(
    session: Session,
    *,
    now: datetime,
    after: timedelta,
    ids: Sequence[int] | None = None,
) -> int:
    """Resolve pending cases whose customer stayed silent for `after` since the agent's reply
    (among `ids`, when given).

    The resolution time is the agent's last reply: that is when the work was done, and it
    keeps replayed history honest however long after the fact it is loaded.
    """
    query = select(Case).where(*_silent(now, after))
    if ids is not None:
        query = query.where(Case.id.in_(ids))
    # In case order, so the audit trail is the same however the database stores the rows.
    stale = session.scalars(query.order_by(Case.id)).all()
    trail: list[dict[str, Any]] = []
    for case in stale:
        assert case.last_agent_at is not None
        before = _mark_resolved(case, "auto-resolve", case.last_agent_at)
        row = _pipeline_audit(case.id, "case.resolved", before, snapshot(case))
        trail.append({**row, "actor": "auto-resolve"})
    session.flush()
    if trail:
        # A history replay resolves thousands at once: one executemany for their audit rows.
        session.execute(insert(table_of(AuditEvent)), trail)
    return len(stale)


def auto_resolve_all(url: str, *, now: datetime, after: timedelta) -> int:
    """auto_resolve in short transactions of AUTO_RESOLVE_CHUNK cases: a history replay leaves
    over a hundred thousand pending at once, which one transaction would hold in memory (1.4 GB
    at a million posts) and under the write lock. Their ids are read once (8 bytes each), so
    each chunk is found by id instead of by searching every pending case again."""
    with transaction(url) as session:
        found = session.scalars(select(Case.id).where(*_silent(now, after)).order_by(Case.id))
        ids = array("q", found)
    total = 0
    for start in range(0, len(ids), AUTO_RESOLVE_CHUNK):
        chunk = ids[start : start + AUTO_RESOLVE_CHUNK].tolist()
        with transaction(url) as session:
            total += auto_resolve(session, now=now, after=after, ids=chunk)
    return total
