"""The callback queue: statuses, claiming and releasing a callback, recording a call, moving the
window, and the dialer events each change sends."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.engine.settings import BrandConfig
from atdesk.automations.outbound.tasks import WEBHOOK_JOB
from atdesk.domain.errors import AppError, Conflict
from atdesk.integrations.callbacks import (
    CallbackEventType,
    CallbackWindow,
)
from atdesk.jobs import queue as jobs
from atdesk.models import Callback, User
from atdesk.models.base import utcnow

AWAITING_VERIFICATION = "awaiting_verification"
QUEUED = "queued"
CLAIMED = "claimed"
COMPLETED = "completed"
CANCELLED = "cancelled"
OPEN_STATUSES = (AWAITING_VERIFICATION, QUEUED, CLAIMED)
OUTCOMES = {
    "reached": "The customer was reached; the callback is done.",
    "no_answer": "No answer; the callback goes back to the queue.",
    "voicemail": "Left a voicemail; the callback goes back to the queue.",
    "wrong_number": "The number on the record is wrong; a person must fix the record.",
    "cancelled": "The customer no longer needs the call.",
}


class CallbackError(AppError):
    """A queue action that cannot be done as asked, with what to do instead."""


class CallbackTaken(CallbackError, Conflict):
    """Someone else holds the callback, or it is past claiming: pick another one (409)."""


def queue_dialer_event(
    session: Session, callback: Callback, event_type: CallbackEventType, config: BrandConfig
) -> None:
    """Tell the brand's dialer (if it has one); the event is built when it is sent, so the
    phone number is read from the record at that moment and never stored in the job."""
    if config.dialer is None or callback.status == AWAITING_VERIFICATION:
        return
    event_id = f"cb-{callback.id}-{callback.revision}-{event_type.value.split('.')[-1]}"
    jobs.enqueue(
        session,
        kind=WEBHOOK_JOB,
        key=f"{WEBHOOK_JOB}:dialer:{event_id}",
        brand_id=callback.brand_id,
        case_id=callback.case_id,
        payload={
            "target": "dialer",
            "callback_id": callback.id,
            "event_type": event_type.value,
            "event_id": f"{event_id}-{uuid.uuid4().hex[:8]}",
        },
    )


def audit_callback(
    session: Session, callback: Callback, action: str, actor: User | str, **extra: object
) -> None:
    """Each change to a callback goes into its case's audit trail, with the window it is in."""
    after = {
        "callback_id": callback.id,
        "status": callback.status,
        "window_start": callback.window_start.isoformat(),
        "window_end": callback.window_end.isoformat(),
        **extra,
    }
    if callback.case_id is not None:
        audit.record(
            session,
            entity_type="case",
            entity_id=callback.case_id,
            action=action,
            actor=actor,
            after=after,
        )
    audit.record(
        session,
        entity_type="callback",
        entity_id=callback.id,
        action=action,
        actor=actor,
        after=after,
    )


@dataclass(frozen=True, slots=True)
class QueueChange:
    """The result of a phone agent's action, for the page's flash message."""

    callback: Callback
    message: str


def claim(
    session: Session, callback: Callback, user: User, *, now: datetime | None = None
) -> QueueChange:
    """A phone agent takes the callback; two agents cannot hold the same one."""
    if callback.status == CLAIMED and callback.claimed_by_id not in (None, user.id):
        raise CallbackTaken("another agent has claimed this callback; pick another one")
    if callback.status not in (QUEUED, CLAIMED):
        raise CallbackTaken(f"a {callback.status.replace('_', ' ')} callback cannot be claimed")
    callback.status = CLAIMED
    callback.claimed_by_id = user.id
    callback.claimed_at = now or utcnow()
    session.flush()
    audit_callback(session, callback, "callback.claimed", user)
    return QueueChange(callback, f"You have callback {callback.id}.")


def release(session: Session, callback: Callback, user: User) -> QueueChange:
    """Put a claimed callback back in the queue."""
    if callback.status != CLAIMED:
        raise CallbackError("only a claimed callback can be released")
    callback.status = QUEUED
    callback.claimed_by_id = None
    callback.claimed_at = None
    session.flush()
    audit_callback(session, callback, "callback.released", user)
    return QueueChange(callback, f"Callback {callback.id} is back in the queue.")


def record_call(
    session: Session,
    callback: Callback,
    outcome: str,
    *,
    user: User,
    config: BrandConfig,
    notes: str = "",
    now: datetime | None = None,
) -> QueueChange:
    """What happened on the call; reached and cancelled close it, others keep it queued."""
    if outcome not in OUTCOMES:
        raise CallbackError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if callback.status not in (QUEUED, CLAIMED):
        raise CallbackError(
            f"this callback is {callback.status.replace('_', ' ')}; nothing to record"
        )
    moment = now or utcnow()
    callback.outcome = outcome
    callback.call_attempts += 1
    if notes.strip():
        callback.notes = (callback.notes + "\n" if callback.notes else "") + notes.strip()[:2000]
    callback.claimed_by_id = None if outcome in ("no_answer", "voicemail") else user.id
    callback.revision += 1
    if outcome in ("reached", "cancelled"):
        callback.status = COMPLETED if outcome == "reached" else CANCELLED
        callback.completed_at = moment
        event = CallbackEventType.COMPLETED if outcome == "reached" else CallbackEventType.CANCELLED
    elif outcome == "wrong_number":
        callback.status = CANCELLED
        callback.completed_at = moment
        event = CallbackEventType.CANCELLED
    else:
        callback.status = QUEUED
        event = CallbackEventType.UPDATED
    session.flush()
    audit_callback(session, callback, f"callback.{outcome}", user, notes=notes.strip()[:200])
    queue_dialer_event(session, callback, event, config)
    if outcome == "wrong_number" and callback.case_id is not None:
        from atdesk.automations.outbound.handoff import hand_over
        from atdesk.models import Case

        case = session.get(Case, callback.case_id)
        if case is not None:
            hand_over(
                session,
                case,
                "callback failed: wrong phone number on the record",
                actor=user.username,
            )
    return QueueChange(callback, OUTCOMES[outcome])


def reschedule(
    session: Session,
    callback: Callback,
    *,
    start: datetime,
    end: datetime,
    user: User,
    config: BrandConfig,
) -> QueueChange:
    """Move the window (the customer asked for another time); the feed and dialer follow."""
    if callback.status not in OPEN_STATUSES:
        raise CallbackError("only an open callback can be rescheduled")
    if end <= start:
        raise CallbackError("the new window must end after it starts")
    callback.window_start, callback.window_end = start, end
    callback.window_requested = True
    callback.window_phrase = "rescheduled by an agent"
    callback.revision += 1
    if callback.status == CLAIMED:
        callback.status = QUEUED
        callback.claimed_by_id = None
    session.flush()
    audit_callback(session, callback, "callback.rescheduled", user)
    queue_dialer_event(session, callback, CallbackEventType.UPDATED, config)
    window = CallbackWindow(start, end, True, "")
    return QueueChange(callback, f"Callback {callback.id} moved to {window.describe(config.tz)}.")
