"""The worker's side of surveys: the sweep that turns resolutions into survey decisions, and
the `survey.send` job that sends a queued survey through the respond stage.

The audit trail is the change feed (as for live updates): every resolution, by whatever path,
writes a `case.resolved` event in its own transaction. The sweep reads those events after its
cursor and decides each in one transaction with the cursor's move (ADR 70). On PostgreSQL two
transactions can commit out of id order, so the cursor stays a minute behind the newest
events and reads them again (a decision is idempotent); on SQLite commits are serial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from atdesk.domain.cases import CaseStatus
from atdesk.jobs import queue as jobs
from atdesk.models import AuditEvent, Case, Post, Survey, SurveyCursor, SurveyResponse
from atdesk.respond.tasks import run_message
from atdesk.storage.session import transaction
from atdesk.surveys.answers import LOOP_JOB
from atdesk.surveys.loop import close_loop
from atdesk.surveys.scores import QuestionStatus, SurveyStatus
from atdesk.surveys.service import SURVEY_JOB, Resolution, cancel, decide, mark_sent

CURSOR = "resolved"
BATCH = 200
# Commits on PostgreSQL may land out of id order; events younger than this are read again.
SETTLE = timedelta(seconds=60)
# With no resolution to read, the cursor still moves on once this many events went by.
ADVANCE_EVERY = 1000
_RESOLVED = (AuditEvent.action == "case.resolved") & (AuditEvent.entity_type == "case")


def sweep(database_url: str, *, now: datetime, limit: int = BATCH) -> int:
    """Decide the survey of each resolution since the last sweep; returns how many got a row."""
    with transaction(database_url) as session:  # a plain read: an idle worker never writes
        start = session.scalar(select(SurveyCursor.last_audit_id).where(_named())) or 0
        waiting = session.scalar(
            select(AuditEvent.id).where(AuditEvent.id > start, _RESOLVED).limit(1)
        )
        newest = session.scalar(select(func.max(AuditEvent.id))) or 0
    if waiting is None and newest - start < ADVANCE_EVERY:
        return 0
    with transaction(database_url) as session:
        cursor = _locked_cursor(session)
        events = session.execute(
            select(AuditEvent.id, AuditEvent.entity_id, AuditEvent.at)
            .where(AuditEvent.id > cursor.last_audit_id, _RESOLVED)
            .order_by(AuditEvent.id)
            .limit(limit)
        ).all()
        decided = 0
        for event_id, case_id, at in events:
            if decide(session, Resolution(event_id, case_id, at), now=now) is not None:
                decided += 1
        _advance(session, cursor, now=now, upto=events[-1][0] if len(events) == limit else None)
        return decided


def _named() -> Any:
    return SurveyCursor.name == CURSOR


def _locked_cursor(session: Session) -> SurveyCursor:
    """The cursor row, locked for this transaction (on SQLite: the database's write lock)."""
    session.execute(
        update(SurveyCursor)
        .where(_named())
        .values(last_audit_id=SurveyCursor.last_audit_id)
        .execution_options(synchronize_session=False)
    )
    cursor = session.get(SurveyCursor, CURSOR, with_for_update=True)
    if cursor is None:
        cursor = SurveyCursor(name=CURSOR, last_audit_id=0)
        session.add(cursor)
        session.flush()
    return cursor


def _advance(session: Session, cursor: SurveyCursor, *, now: datetime, upto: int | None) -> None:
    """Move past every event old enough to be surely committed (all of them on SQLite)."""
    settle = SETTLE if session.get_bind().dialect.name == "postgresql" else timedelta(0)
    query = select(func.max(AuditEvent.id)).where(
        AuditEvent.id > cursor.last_audit_id, AuditEvent.at <= now - settle
    )
    if upto is not None:  # a full batch: the rest is read on the next sweep
        query = query.where(AuditEvent.id <= upto)
    position = session.scalar(query)
    if position is not None:
        cursor.last_audit_id = position
    session.flush()


@jobs.handler(SURVEY_JOB)
def run_survey(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Send the survey as the automation's private message, unless the case reopened."""
    survey_id = int(job.payload["survey_id"])
    with transaction(env.settings.database_url) as session:
        survey = session.get(Survey, survey_id)
        if survey is None or survey.status != SurveyStatus.QUEUED.value:
            return jobs.JobOutcome.done(skipped="the survey is no longer waiting to go out")
        case = session.get(Case, survey.case_id) if survey.case_id is not None else None
        if case is None or case.status != CaseStatus.RESOLVED.value:
            reason = "the case was reopened or merged before the survey went out"
            cancel(session, survey, reason)
            return jobs.JobOutcome.done(skipped=reason)
    outcome = run_message(job, env)
    post_id = outcome.result.get("post_id") if outcome.status == "done" else None
    if outcome.result.get("status") != "sent" or not post_id:
        return outcome

    def effect(session: Session) -> Mapping[str, Any] | None:
        survey = session.get(Survey, survey_id)
        if survey is not None and survey.status == SurveyStatus.QUEUED.value:
            mark_sent(session, survey, int(post_id))
        return None

    return replace(outcome, effect=effect)


@jobs.handler(LOOP_JOB)
def run_loop(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """After a low score: ask "what could we do better?" while the case is still resolved (so
    our question does not leave a reopened case waiting on the customer), then close the loop
    in the same transaction as the job's mark."""
    response_id = int(job.payload["response_id"])
    with transaction(env.settings.database_url) as session:
        response = session.get(SurveyResponse, response_id)
        if response is None:
            return jobs.JobOutcome.done(skipped="the survey answer is gone")
        ask = response.question_status == QuestionStatus.QUEUED.value
        case = session.get(Case, response.case_id) if response.case_id is not None else None
        if ask and (case is None or case.status != CaseStatus.RESOLVED.value):
            response.question_status = QuestionStatus.SKIPPED.value
            ask = False  # the customer wrote again: an agent answers that, not a survey
    outcome = run_message(job, env) if ask else jobs.JobOutcome.done(status="not asked")
    post_id = outcome.result.get("post_id") if outcome.result.get("status") == "sent" else None
    now = env.now()

    def effect(session: Session) -> Mapping[str, Any] | None:
        response = session.get(SurveyResponse, response_id)
        if response is None:
            return None
        if post_id and response.question_status == QuestionStatus.QUEUED.value:
            post = session.get(Post, int(post_id))
            response.question_status = QuestionStatus.SENT.value
            response.question_post_id = int(post_id)
            response.question_sent_at = post.created_at if post is not None else now
        action = close_loop(session, response, now=now)
        return {"loop": action.value}

    return replace(outcome, effect=effect)
