"""Posting an update: plan one text per affected customer, hold it for approval when the brand
asks, then queue one delivery per recipient, each sent by its own durable job (ADR 87)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.brands.settings import store_settings_change
from atdesk.domain.errors import Conflict
from atdesk.insights.incidents.personalise import check_template, personalise
from atdesk.insights.incidents.service import (
    ENTITY,
    OPEN,
    IncidentError,
    LeadsOnly,
    check_lead,
)
from atdesk.jobs import queue as jobs
from atdesk.models import (
    Brand,
    Case,
    Incident,
    IncidentCase,
    IncidentDelivery,
    IncidentUpdate,
    User,
)
from atdesk.models import Post as PostRow
from atdesk.respond.service import too_long_message

DELIVERY_JOB = "incident.reply"
VISIBILITIES = ("public", "private")
MAX_TEXT = 2000
# Update states.
PENDING = "pending"
REJECTED = "rejected"
SENT = "sent"
# Delivery states.
QUEUED = "queued"
SENDING = "sending"
DELIVERED = "sent"
HELD = "held"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
REFUSED = "refused"
GIVEN_UP = "given_up"
# The brand setting that makes every update wait for a second supervisor or admin.
APPROVAL_SETTING = "incident_update_approval"


@dataclass(frozen=True, slots=True)
class Planned:
    """One recipient's delivery before it is written: the case answered, how, and the text."""

    case: Case
    recipient: str
    mode: str
    text: str


def approval_required(brand: Brand) -> bool:
    """Does this brand want a second pair of eyes on every incident update?"""
    return bool((brand.settings or {}).get(APPROVAL_SETTING, False))


def recipient_key(case: Case) -> str:
    """Who a case's customer is: their customer record when known, else their handle's row."""
    if case.customer_id is not None:
        return f"customer:{case.customer_id}"
    return f"author:{case.customer_author_id}"


def _with_public_posts(session: Session, case_ids: list[int]) -> set[int]:
    """The cases whose customer wrote in public at least once (one read for the whole plan)."""
    found: set[int] = set()
    for start in range(0, len(case_ids), 500):
        found.update(
            session.scalars(
                select(PostRow.case_id)
                .where(
                    PostRow.case_id.in_(case_ids[start : start + 500]),
                    PostRow.inbound.is_(True),
                    PostRow.direct.is_(False),
                )
                .distinct()
            )
        )
    return found


def plan(
    session: Session, incident: Incident, template: str, visibility: str, sender: User
) -> list[Planned]:
    """One text per affected customer (their latest linked case answers), or a refusal naming
    the customers whose network cannot take the text even without the greeting."""
    cases = session.scalars(
        select(Case)
        .join(IncidentCase, IncidentCase.case_id == Case.id)
        # History cases (an archive's old conversations, ADR 73) are never answered.
        .where(IncidentCase.incident_id == incident.id, Case.history.is_(False))
        .order_by(Case.opened_at.desc(), Case.id.desc())
    ).all()
    public = _with_public_posts(session, [c.id for c in cases])
    planned: list[Planned] = []
    seen: set[str] = set()
    too_long: list[str] = []
    for case in cases:
        key = recipient_key(case)
        if key in seen:
            continue
        seen.add(key)
        # A customer who only wrote privately is answered privately, whatever was chosen.
        private = visibility == "private" or case.id not in public
        fitted = personalise(case, sender, template, private=private)
        if fitted.text is None:
            who = f"case {case.id} (@{case.customer_author.handle})"
            too_long.append(f"{who}: {too_long_message(fitted.measured)}")
            continue
        planned.append(Planned(case, key, "private" if private else "public", fitted.text))
    if too_long:
        more = f" (and {len(too_long) - 3} more)" if len(too_long) > 3 else ""
        raise IncidentError("Not posted. " + " ".join(too_long[:3]) + more)
    if not planned:
        raise IncidentError("no linked cases to answer; link cases to the incident first")
    return planned


def post_update(
    session: Session,
    incident: Incident,
    *,
    text: str,
    visibility: str,
    actor: User,
    now: datetime,
) -> IncidentUpdate:
    """Check the text against every recipient's network, then send it out or hold it."""
    check_lead(actor)
    if incident.status != OPEN:
        raise IncidentError("this incident is closed; updates go out only while it is open")
    if visibility not in VISIBILITIES:
        raise IncidentError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if len(text) > MAX_TEXT:
        raise IncidentError(f"the update is {len(text)} characters; keep it under {MAX_TEXT}")
    template = check_template(text)
    planned = plan(session, incident, template, visibility, actor)
    brand = session.get(Brand, incident.brand_id)
    assert brand is not None
    held = approval_required(brand)
    update = IncidentUpdate(
        incident_id=incident.id,
        text=template,
        visibility=visibility,
        status=PENDING if held else SENT,
        created_by_user_id=actor.id,
        created_at=now,
        review_note="",
    )
    session.add(update)
    session.flush()
    audit.record(
        session,
        entity_type=ENTITY,
        entity_id=incident.id,
        action="incident.update_held" if held else "incident.update_posted",
        actor=actor,
        after={
            "update_id": update.id,
            "visibility": visibility,
            "text": template,
            "recipients": len(planned),
        },
    )
    if not held:
        broadcast(session, update, planned, now=now)
    session.flush()
    return update


def broadcast(
    session: Session, update: IncidentUpdate, planned: list[Planned], *, now: datetime
) -> list[IncidentDelivery]:
    """One delivery row and one durable job per recipient, in the deciding transaction.

    The (update, recipient) pair is unique and the job key names the delivery, so however
    often this runs or a job is retried, each customer is sent the update at most once.
    """
    deliveries = [
        IncidentDelivery(
            update_id=update.id,
            case_id=item.case.id,
            recipient=item.recipient,
            mode=item.mode,
            text=item.text,
            status=QUEUED,
            created_at=now,
        )
        for item in planned
    ]
    session.add_all(deliveries)
    session.flush()  # one round for every row: their ids name the jobs
    for item, delivery in zip(planned, deliveries, strict=True):
        job = jobs.enqueue(
            session,
            kind=DELIVERY_JOB,
            key=f"{DELIVERY_JOB}:{delivery.id}",
            brand_id=item.case.brand_id,
            case_id=item.case.id,
            payload={"delivery_id": delivery.id, "update_id": update.id},
            due_at=now,
        )
        delivery.job_id = job.id
    session.flush()
    return deliveries


def _pending(update: IncidentUpdate, reviewer: User) -> None:
    check_lead(reviewer)
    if update.status != PENDING:
        raise Conflict(f"this update was already {update.status}")
    if update.created_by_user_id == reviewer.id:
        raise IncidentError(
            "the brand asks a second supervisor or admin to approve updates; ask a colleague"
        )


def approve_update(
    session: Session, update: IncidentUpdate, *, reviewer: User, now: datetime
) -> list[IncidentDelivery]:
    """Send a held update to every customer linked now (cases linked since it was written too)."""
    _pending(update, reviewer)
    incident = session.get(Incident, update.incident_id)
    assert incident is not None
    if incident.status != OPEN:
        raise IncidentError("this incident is closed; updates go out only while it is open")
    author = session.get(User, update.created_by_user_id)
    assert author is not None
    planned = plan(session, incident, update.text, update.visibility, author)
    update.status = SENT
    update.reviewer_user_id = reviewer.id
    update.decided_at = now
    audit.record(
        session,
        entity_type=ENTITY,
        entity_id=incident.id,
        action="incident.update_approved",
        actor=reviewer,
        before={"update_id": update.id, "status": PENDING},
        after={"update_id": update.id, "status": SENT, "recipients": len(planned)},
    )
    return broadcast(session, update, planned, now=now)


def reject_update(
    session: Session, update: IncidentUpdate, *, reviewer: User, note: str, now: datetime
) -> None:
    """Send the update back with a note saying what to change; nothing goes out."""
    _pending(update, reviewer)
    note = note.strip()
    if not note:
        raise IncidentError("say why, so the author knows what to change")
    update.status = REJECTED
    update.reviewer_user_id = reviewer.id
    update.review_note = note[:2000]
    update.decided_at = now
    audit.record(
        session,
        entity_type=ENTITY,
        entity_id=update.incident_id,
        action="incident.update_rejected",
        actor=reviewer,
        before={"update_id": update.id, "status": PENDING},
        after={"update_id": update.id, "status": REJECTED, "note": update.review_note},
    )
    session.flush()


def set_update_approval(session: Session, brand: Brand, *, required: bool, actor: User) -> bool:
    """An admin turns the second supervisor's approval of incident updates on or off (audited);
    returns whether anything changed."""
    if actor.role != "admin":
        raise LeadsOnly("only admins change a brand's approval rules")
    before = approval_required(brand)
    if before == required:
        return False
    store_settings_change(
        session,
        brand,
        {APPROVAL_SETTING: required},
        action="brand.incident_update_approval",
        actor=actor,
        before={APPROVAL_SETTING: before},
        after={APPROVAL_SETTING: required},
    )
    return True
