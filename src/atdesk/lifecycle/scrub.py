"""Removing a person from rows: the table-by-table steps retention and erasure share (ADR 101).

Every function takes a bounded list of ids (a batch of a few hundred at most), writes with
set-based UPDATE and DELETE statements in the caller's transaction and flushes nothing else:
the caller keeps its write transactions short (ADR 78). Anonymising keeps a row and its
counts (times, statuses, scores, intents) and removes what names or describes the person:
text, media, place, the network's ids and the link to an author or a customer record.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, exists, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atdesk.jobs.queue import CANCELLED, QUEUED, RUNNING
from atdesk.models import (
    Appointment,
    AuditEvent,
    Author,
    AutomatedMessage,
    AutomationJob,
    BotDecision,
    Callback,
    Case,
    CaseFacts,
    CaseNote,
    CommunityAnswer,
    Conversation,
    ConversationNode,
    IdentityVerification,
    IncidentDelivery,
    Open311Report,
    Post,
    ReplyDraft,
    Survey,
    SurveyResponse,
    TriageCorrection,
)

ANONYMOUS_NATIVE_ID = "atdesk:anonymous"
# No network allows brackets in a handle, so no real person's handle ever matches (a linked
# customer handle would otherwise attach every anonymised case to that customer).
ANONYMOUS_HANDLE = "(anonymous)"
# Keys of audit before/after values that can hold what a person wrote or who they are.
AUDIT_TEXT_KEYS = frozenset(
    {"note", "text", "body", "comment", "subject", "email", "phone", "name", "handle"}
)
REDACTED = "[removed]"


def anonymous_author(session: Session, network: str) -> int:
    """The one stand-in author per network that anonymised posts and cases point at."""
    query = select(Author.id).where(
        Author.network == network, Author.native_id == ANONYMOUS_NATIVE_ID
    )
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            author = Author(
                network=network,
                native_id=ANONYMOUS_NATIVE_ID,
                handle=ANONYMOUS_HANDLE,
                name="Anonymous",
                followers=0,
                verified=False,
            )
            session.add(author)
        return author.id
    except IntegrityError:  # another transaction made it meanwhile
        return session.scalars(query).one()


def _networks(session: Session, column: Any, ids: Collection[int], network: Any) -> set[str]:
    return set(session.scalars(select(network).where(column.in_(ids)).distinct()))


def anonymise_posts(
    session: Session, post_ids: Collection[int], *, now: datetime, marker: str
) -> int:
    """Replace the posts' text, media, place, network ids and (inbound) author; the triage
    labels, times and counts stay for reports. The search index follows the text (FTS5
    triggers on SQLite, an expression index on PostgreSQL)."""
    if not post_ids:
        return 0
    ids = sorted(post_ids)
    for network in _networks(session, Post.id, ids, Post.network):
        # The reply graph knows the posts by their network ids: forget them, so a later reply
        # to one starts a new conversation instead of reaching back into removed data.
        session.execute(
            delete(ConversationNode)
            .where(
                ConversationNode.network == network,
                ConversationNode.node_id.in_(
                    select(Post.native_id).where(Post.id.in_(ids), Post.network == network)
                ),
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Post)
            .where(Post.id.in_(ids), Post.network == network, Post.inbound.is_(True))
            .values(author_id=anonymous_author(session, network))
            .execution_options(synchronize_session=False)
        )
    done = session.execute(
        update(Post)
        .where(Post.id.in_(ids))
        .values(
            text=marker,
            native_id=literal("anon:").concat(cast(Post.id, String)),
            in_reply_to=None,
            raw={},
            entities={},
            media=[],
            triage_notes=[],
            lat=None,
            lon=None,
            anonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(TriageCorrection)
        .where(TriageCorrection.post_id.in_(ids))
        .values(text=marker)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(BotDecision)
        .where(BotDecision.post_id.in_(ids))
        .values(reason="")
        .execution_options(synchronize_session=False)
    )
    _scrub_city_reports(session, Open311Report.post_id.in_(ids))
    return int(getattr(done, "rowcount", 0) or 0)


def _scrub_city_reports(session: Session, where: Any) -> None:
    session.execute(
        update(Open311Report)
        .where(where)
        .values(
            description="",
            address=None,
            lat=None,
            long=None,
            media_url=None,
            request={},
            status_notes=None,
        )
        .execution_options(synchronize_session=False)
    )


def case_post_ids(session: Session, case_ids: Collection[int]) -> list[int]:
    """Every post filed in these cases, inbound and the brand's replies."""
    if not case_ids:
        return []
    return list(session.scalars(select(Post.id).where(Post.case_id.in_(sorted(case_ids)))))


def anonymise_cases(
    session: Session, case_ids: Collection[int], *, now: datetime, marker: str
) -> int:
    """Anonymise the cases and everything filed under them; the case rows, their statuses,
    times and report facts stay (the facts refresh sees the same posts and audit trail)."""
    if not case_ids:
        return 0
    ids = sorted(case_ids)
    anonymise_posts(session, case_post_ids(session, ids), now=now, marker=marker)
    for network in _networks(session, Case.id, ids, Case.network):
        anon = anonymous_author(session, network)
        session.execute(
            update(Case)
            .where(Case.id.in_(ids), Case.network == network)
            .values(customer_author_id=anon)
            .execution_options(synchronize_session=False)
        )
        for model in (Survey, SurveyResponse):
            session.execute(
                update(model)
                .where(model.case_id.in_(ids), _case_network(model.case_id, network))
                .values(author_id=anon)
                .execution_options(synchronize_session=False)
            )
        for linked in (AutomatedMessage, CommunityAnswer):
            session.execute(
                update(linked)
                .where(linked.case_id.in_(ids), _case_network(linked.case_id, network))
                .values(author_id=anon)
                .execution_options(synchronize_session=False)
            )
    done = session.execute(
        update(Case)
        .where(Case.id.in_(ids))
        .values(
            subject="",
            customer_id=None,
            sensitive_reasons=[],
            risk_reasons=[],
            anonymised_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(CaseNote).where(CaseNote.case_id.in_(ids)))
    session.execute(delete(IdentityVerification).where(IdentityVerification.case_id.in_(ids)))
    _update(
        session, ReplyDraft, ReplyDraft.case_id.in_(ids), text=marker, review_note="", error=None
    )
    _update(
        session,
        Callback,
        Callback.case_id.in_(ids),
        reason="",
        notes="",
        window_phrase="",
        customer_id=None,
        author_id=None,
    )
    _update(session, Appointment, Appointment.case_id.in_(ids), notes="", location=None)
    _update(session, Survey, Survey.case_id.in_(ids), text="", customer_id=None)
    _update(session, SurveyResponse, SurveyResponse.case_id.in_(ids), comment="", customer_id=None)
    _update(session, AutomatedMessage, AutomatedMessage.case_id.in_(ids), customer_id=None)
    _update(
        session,
        IncidentDelivery,
        IncidentDelivery.case_id.in_(ids),
        text=marker,
        recipient="anonymous",
    )
    _update(session, BotDecision, BotDecision.case_id.in_(ids), reason="")
    _update(session, TriageCorrection, TriageCorrection.case_id.in_(ids), text=marker)
    _scrub_city_reports(session, Open311Report.case_id.in_(ids))
    _scrub_jobs(session, ids)
    redact_audit(session, "case", ids)
    return int(getattr(done, "rowcount", 0) or 0)


def _case_network(column: Any, network: str) -> Any:
    return exists(select(Case.id).where(Case.id == column, Case.network == network))


def _update(session: Session, model: Any, where: Any, **values: Any) -> None:
    session.execute(
        update(model).where(where).values(**values).execution_options(synchronize_session=False)
    )


def _scrub_jobs(session: Session, case_ids: list[int]) -> None:
    """Queued jobs of these cases are cancelled (a reply to someone anonymised must not go
    out) and lose their payloads, which may hold reply text; a running job keeps its payload
    until its worker records the outcome."""
    mine = AutomationJob.case_id.in_(case_ids)
    _update(session, AutomationJob, mine & (AutomationJob.status == QUEUED), status=CANCELLED)
    _update(
        session,
        AutomationJob,
        mine & (AutomationJob.status != RUNNING),
        payload={},
        result={},
        last_error=None,
    )


def redact_audit(session: Session, entity_type: str, entity_ids: Iterable[int]) -> int:
    """Blank the text values (notes, comments, names, contact data) in these entities' audit
    rows; who did what and when stays, so the trail and the report facts still add up."""
    ids = sorted(set(entity_ids))
    if not ids:
        return 0
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(ids)
        )
    ).all()
    changed = 0
    for event_id, before, after in rows:
        new_before, new_after = _redacted(before), _redacted(after)
        if new_before != before or new_after != after:
            session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event_id)
                .values(before=new_before, after=new_after)
                .execution_options(synchronize_session=False)
            )
            changed += 1
    return changed


def _redacted(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        key: REDACTED if key in AUDIT_TEXT_KEYS and value not in (None, "") else value
        for key, value in (values or {}).items()
    }


def purge_posts(session: Session, post_ids: Collection[int]) -> int:
    """Delete posts; what hangs off them goes by the foreign keys (cascade or set null)."""
    if not post_ids:
        return 0
    ids = sorted(post_ids)
    _update(session, TriageCorrection, TriageCorrection.post_id.in_(ids), text="")
    result = session.execute(
        delete(Post).where(Post.id.in_(ids)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_cases(session: Session, case_ids: Collection[int]) -> int:
    """Delete the cases, their posts, notes, drafts, surveys, callbacks, city reports and
    conversations, and their report facts (the refresh recomputes the rollup cells they were
    in: reports/forgotten.py)."""
    if not case_ids:
        return 0
    ids = sorted(case_ids)
    conversations = list(session.scalars(select(Case.conversation_id).where(Case.id.in_(ids))))
    purge_posts(session, case_post_ids(session, ids))
    for model in (Callback, Survey, Open311Report, BotDecision, IdentityVerification):
        session.execute(
            delete(model).where(model.case_id.in_(ids)).execution_options(synchronize_session=False)
        )
    _scrub_jobs(session, ids)  # the jobs' case_id is set null with the case
    redact_audit(session, "case", ids)
    session.execute(
        delete(CaseFacts)
        .where(CaseFacts.case_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        delete(Case).where(Case.id.in_(ids)).execution_options(synchronize_session=False)
    )
    if conversations:
        session.execute(
            delete(Conversation)
            .where(Conversation.id.in_(conversations))
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)
