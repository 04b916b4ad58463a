"""Closing the loop after an unhappy answer (CSAT 1-2, NPS 0-6), ADR 93.

Someone should look at the case again: a case resolved within the brand's `reopen_days` is
reopened; an older one gets a new follow-up case for the same customer, linked to it through
the survey response; a case already open again is raised. Whichever it is, the case ends at
priority high (never lowered from urgent), set as by hand so the pipeline keeps it there, and
every step is in the case's audit trail through the cases package's own actions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.cases.actions import reopen, set_priority
from atdesk.cases.routing import route_cases
from atdesk.cases.service import snapshot
from atdesk.cases.sla import apply_clocks, clocks_for, load_brand_slas
from atdesk.domain.cases import CaseStatus
from atdesk.domain.triage import Priority, Sentiment
from atdesk.models import Brand, Case, Conversation, SurveyResponse
from atdesk.surveys.answers import ACTOR
from atdesk.surveys.settings import survey_settings


class LoopAction(StrEnum):
    """What an unhappy answer did to its case."""

    REOPENED = "reopened"
    FOLLOW_UP = "follow_up"
    RAISED = "raised"
    SKIPPED = "skipped"


def close_loop(session: Session, response: SurveyResponse, *, now: datetime) -> LoopAction:
    """Reopen the case, open a follow-up case or raise the open one; once per answer."""
    if response.loop_action is not None:
        return LoopAction(response.loop_action)
    brand = session.get(Brand, response.brand_id)
    case = session.get(Case, response.case_id) if response.case_id is not None else None
    reason = ""
    target: Case | None = case
    if brand is None or case is None:
        action, reason = LoopAction.SKIPPED, "the case is gone (merged or deleted)"
    elif not survey_settings(brand).close_loop:
        action, reason = LoopAction.SKIPPED, "the brand does not reopen cases after low scores"
    elif case.status != CaseStatus.RESOLVED.value:
        action, reason = LoopAction.RAISED, "the case was already open again"
    elif case.resolved_at is not None and case.resolved_at >= now - timedelta(
        days=survey_settings(brand).reopen_days
    ):
        reopen(session, case, actor=ACTOR)
        action = LoopAction.REOPENED
    else:
        target = open_follow_up(session, case, response, now=now)
        action = LoopAction.FOLLOW_UP
        reason = f"case #{case.id} was resolved too long ago to reopen"
    if target is not None and action is not LoopAction.SKIPPED:
        raise_priority(session, target)
    response.loop_action = action.value
    response.loop_reason = reason[:200] or None
    response.loop_at = now
    response.follow_up_case_id = target.id if action is LoopAction.FOLLOW_UP and target else None
    if case is not None:
        audit.record(
            session,
            entity_type="case",
            entity_id=case.id,
            action="survey.loop",
            actor=ACTOR,
            after={
                "survey_id": response.survey_id,
                "kind": response.kind,
                "score": response.score,
                "action": action.value,
                "reason": reason,
                "follow_up_case_id": response.follow_up_case_id,
            },
        )
    session.flush()
    return action


def raise_priority(session: Session, case: Case) -> None:
    """Priority high, as if set by hand; an urgent case stays urgent."""
    if case.priority_rank < Priority.HIGH.rank or not case.priority_manual:
        wanted = Priority.HIGH if case.priority_rank <= Priority.HIGH.rank else Priority.URGENT
        set_priority(session, case, wanted, actor=ACTOR)


def open_follow_up(
    session: Session, case: Case, response: SurveyResponse, *, now: datetime
) -> Case:
    """A new case for the same customer and brand, in the original's team, with its SLA clocks
    running from now; it holds no posts (the answer stays in the original's thread)."""
    conversation = Conversation(
        network=case.network,
        direct=True,
        brand_id=case.brand_id,
        started_at=now,
        last_post_at=now,
    )
    session.add(conversation)
    session.flush()
    label = f"{response.kind.upper()} {response.score}"
    said = f": “{response.comment}”" if response.comment else ""
    follow_up = Case(
        conversation_id=conversation.id,
        brand_id=case.brand_id,
        customer_author_id=case.customer_author_id,
        customer_id=case.customer_id,
        status=CaseStatus.OPEN.value,
        priority=Priority.NORMAL.value,
        priority_rank=Priority.NORMAL.rank,
        intent=case.intent,
        sentiment=Sentiment.NEGATIVE.value,
        language=case.language,
        network=case.network,
        subject=f"Follow-up to case #{case.id}, {label}{said}"[:280],
        opened_at=now,
        last_customer_at=response.answered_at,
        team_id=case.team_id,
        reopen_count=0,
        inbound_count=0,
        outbound_count=0,
    )
    session.add(follow_up)
    session.flush()
    slas = load_brand_slas(session, [case.brand_id])
    apply_clocks(follow_up, clocks_for(follow_up, slas[case.brand_id], waiting_since=now))
    audit.record(
        session,
        entity_type="case",
        entity_id=follow_up.id,
        action="case.opened",
        actor=ACTOR,
        after={**snapshot(follow_up), "follow_up_of": case.id, "survey_id": response.survey_id},
    )
    route_cases(session, [follow_up], now=now)
    session.flush()
    return follow_up
