"""Which visit to reschedule: picked from the customer's words, or asked by private message.

The question is an `AppointmentOffer` row whose numbered options are the customer's visits
(status `which_visit` while open, so the answer reaches it like a slot pick does);
`appointment_id` holds the soonest candidate only to tie the row to the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.appointments.visit_picker import (
    Ambiguous,
    NoMatch,
    Picked,
    PickResult,
    Visit,
    pick_visit,
    read_request,
    render_question,
)
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.settings import BrandConfig
from atdesk.automations.outbound.service import queue_message
from atdesk.integrations.appointments import (
    ChoiceResult,
    Chosen,
    DayRequest,
    Slot,
    SlotOffer,
    SlotOption,
    Unclear,
    parse_choice,
    requested_day,
)
from atdesk.models import Appointment, AppointmentOffer, AppointmentResource, Customer

ASKING = "which_visit"
ANSWERED = "visit_chosen"
QUESTION_DECLINED = "visit_declined"
QUESTION_GAVE_UP = "visit_gave_up"
BOOKED = "booked"


@dataclass(frozen=True, slots=True)
class VisitChoice:
    """The visit a request means (or why none or several), and the day it asks for."""

    result: PickResult
    asked: DayRequest | None
    visits: tuple[Appointment, ...]

    def appointment(self) -> Appointment | None:
        """The booked row of the picked visit."""
        if not isinstance(self.result, Picked):
            return None
        return next(v for v in self.visits if str(v.id) == self.result.visit.id)


def upcoming_visits(
    session: Session, *, brand_id: int, customer_id: int, now: datetime
) -> list[Appointment]:
    """The customer's booked visits with this brand that have not ended, soonest first."""
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.brand_id == brand_id,
                Appointment.customer_id == customer_id,
                Appointment.status == BOOKED,
                Appointment.end_at >= now,
            )
            .order_by(Appointment.start_at, Appointment.id)
        )
    )


def asked_day(text: str, *, created_at: datetime, tz: ZoneInfo) -> DayRequest | None:
    """The day asked for, read without the day that names the visit as booked now."""
    request = read_request(text, created_at=created_at, tz=tz)
    return requested_day(request.target_text, created_at=created_at, tz=tz)


def choose_visit(ctx: ActionContext, customer: Customer) -> VisitChoice:
    """Which of the customer's upcoming visits the post means, with the same reads everywhere."""
    visits = tuple(
        upcoming_visits(ctx.session, brand_id=ctx.brand.id, customer_id=customer.id, now=ctx.now)
    )
    tz, created_at = ctx.config.tz, ctx.post.created_at
    request = read_request(ctx.post.text, created_at=created_at, tz=tz)
    asked = requested_day(request.target_text, created_at=created_at, tz=tz)
    if not visits:
        return VisitChoice(NoMatch("visit", "no upcoming appointment on record"), asked, visits)
    result = pick_visit(
        request,
        [_as_visit(v) for v in visits],
        tz=tz,
        target=asked,
        kinds=_brand_kinds(ctx.session, ctx.brand.id),
    )
    return VisitChoice(result, asked, visits)


def ask_which_visit(ctx: ActionContext, choice: VisitChoice, *, limit: int) -> Outcome:
    """Several visits fit: list them by DM as numbered options and wait for the answer."""
    assert isinstance(choice.result, Ambiguous)
    candidates, reason = choice.result.candidates, choice.result.reason
    rows = {str(v.id): v for v in choice.visits}
    row = AppointmentOffer(
        appointment_id=int(candidates[0].id),
        case_id=ctx.case.id,
        post_id=ctx.post.id,
        day=ctx.now.astimezone(ctx.config.tz).date(),
        options=[_visit_json(n, rows[v.id], limit) for n, v in enumerate(candidates, start=1)],
        status=ASKING,
        clarifications=0,
        created_at=ctx.now,  # when the automation ran: answers are timed against it
        reason=reason,
    )
    ctx.session.add(row)
    ctx.session.flush()
    queue_message(
        ctx,
        render_question(candidates, ctx.config.tz),
        private=True,
        purpose="reschedule-which-visit",
    )
    if not ctx.post.direct:
        queue_message(
            ctx,
            f"Hi {ctx.first_name}, happy to help you find a new time. We've sent you a "
            "private message to check which visit you'd like to move.",
            private=False,
            purpose="reschedule-ack",
        )
    _audit(ctx, row, "appointment.which_visit_asked", candidates=[int(v.id) for v in candidates])
    return Outcome(
        "offer_reschedule",
        "done",
        f"asked which of {len(candidates)} visits to move ({reason})",
        {"question": row.id},
    )


def question_of(row: AppointmentOffer, config: BrandConfig) -> SlotOffer:
    """The stored visits as numbered options, so `parse_choice` reads "2" or "the morning one"."""
    options = tuple(
        SlotOption(
            int(o["number"]), Slot(str(o["resource_id"]), str(o["resource_name"]), *_times(o))
        )
        for o in row.options
    )
    return SlotOffer(day=row.day, tz=config.tz, options=options)


def read_answer(ctx: ActionContext, row: AppointmentOffer, question: SlotOffer) -> ChoiceResult:
    """A visit named by its day or kind ("the Dec 5 one", "the install"), else by number."""
    tz = ctx.config.tz
    numbers = {str(o["appointment_id"]): int(o["number"]) for o in row.options}
    listed = [ctx.session.get(Appointment, int(o["appointment_id"])) for o in row.options]
    visits = [_as_visit(a) for a in listed if a is not None]
    request = read_request(ctx.post.text, created_at=ctx.post.created_at, tz=tz, answering=True)
    picked = pick_visit(request, visits, tz=tz, target=None)
    if isinstance(picked, Picked):
        option = question.option(numbers[picked.visit.id])
        assert option is not None
        return Chosen(option)
    choice = parse_choice(ctx.post.text, question)
    if not isinstance(choice, Unclear):
        return choice
    if isinstance(picked, NoMatch):
        return Unclear(f"none of the visits is the {picked.named}")
    if len(picked.candidates) < len(visits):
        fits = tuple(numbers[v.id] for v in picked.candidates)
        return Unclear("more than one visit matches the answer", fits)
    return choice


def take_answer(ctx: ActionContext, row: AppointmentOffer, chosen: Chosen) -> Appointment | None:
    """Record the visit the customer chose; None when it is no longer booked."""
    option = next(o for o in row.options if int(o["number"]) == chosen.option.number)
    appointment = ctx.session.get(Appointment, int(option["appointment_id"]))
    row.status = ANSWERED
    row.chosen_number = chosen.option.number
    _audit(
        ctx,
        row,
        "appointment.which_visit_answered",
        appointment=int(option["appointment_id"]),
    )
    if appointment is None or appointment.status != BOOKED:
        return None
    return appointment


def slot_limit(row: AppointmentOffer) -> int:
    """How many slots the rule that asked wanted offered for the chosen visit."""
    return int(row.options[0].get("limit", 4)) if row.options else 4


def _audit(ctx: ActionContext, row: AppointmentOffer, action: str, **after: Any) -> None:
    audit.record(
        ctx.session,
        entity_type="case",
        entity_id=ctx.case.id,
        action=action,
        actor=ctx.actor,
        after={"question": row.id, "reason": row.reason, **after},
    )


def _as_visit(appointment: Appointment) -> Visit:
    return Visit(
        id=str(appointment.id),
        kind=appointment.kind,
        start=appointment.start_at,
        end=appointment.end_at,
        resource_name=appointment.resource.name,
        notes=appointment.notes or "",
    )


def _brand_kinds(session: Session, brand_id: int) -> set[str]:
    rows = session.scalars(
        select(AppointmentResource.kinds).where(AppointmentResource.brand_id == brand_id)
    )
    return {kind for kinds in rows for kind in kinds or []}


def _visit_json(number: int, visit: Appointment, limit: int) -> dict[str, Any]:
    return {
        "number": number,
        "appointment_id": visit.id,
        "kind": visit.kind,
        "resource_id": str(visit.resource_id),
        "resource_name": visit.resource.name,
        "start": visit.start_at.isoformat(),
        "end": visit.end_at.isoformat(),
        "limit": limit,
    }


def _times(option: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(option["start"]), datetime.fromisoformat(option["end"])
