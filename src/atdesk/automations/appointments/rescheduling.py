"""Rescheduling a visit by private message: offer free slots, read the pick, move the booking.

"Reschedule my technician visit to this Friday anytime" finds the visit the customer means
(`visit_question`: the day named for it, its kind or words, or the only one coming; several
fits are asked by numbered DM first), the free slots on the day asked for (the visit's own
time counts as free), and sends them as numbered options by DM. The answer ("2", "the
morning one") moves the appointment after a last conflict check, raises its calendar
SEQUENCE and confirms. No such visit, no slot, a taken slot, "none of these" or a third
unclear answer get a clear reply and a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.appointments.visit_picker import Ambiguous, NoMatch
from atdesk.automations.appointments.visit_question import (
    ASKING,
    QUESTION_DECLINED,
    QUESTION_GAVE_UP,
    ask_which_visit,
    asked_day,
    choose_visit,
    question_of,
    read_answer,
    slot_limit,
    take_answer,
)
from atdesk.automations.engine.actions import action
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.hooks import reply_handler
from atdesk.automations.engine.inputs import Input
from atdesk.automations.engine.rules import RescheduleAction
from atdesk.automations.engine.settings import BrandConfig
from atdesk.automations.outbound.handoff import hand_over
from atdesk.automations.outbound.service import queue_message
from atdesk.automations.outbound.verification import start_verification
from atdesk.cases.calendar import CalendarError, parse_clock
from atdesk.config import Settings
from atdesk.customers.identity import on_identified
from atdesk.integrations.appointments import (
    Booking,
    Chosen,
    DayRequest,
    NoAvailability,
    NoneOfThese,
    Resource,
    Slot,
    SlotOffer,
    SlotOption,
    Unclear,
    check_conflict,
    find_slots,
    parse_choice,
    render_clarification,
    render_confirmation,
    render_conflict,
    render_no_availability,
    render_offer,
)
from atdesk.models import (
    Appointment,
    AppointmentOffer,
    AppointmentResource,
    Author,
    Customer,
    Post,
    RuleRun,
)

OFFERED = "offered"
UNCLEAR = "unclear"
CHOSEN = "chosen"
DECLINED = "declined"
CONFLICT = "conflict"
GAVE_UP = "gave_up"
OPEN_OFFERS = (OFFERED, UNCLEAR, ASKING)
BOOKED = "booked"
MAX_CLARIFICATIONS = 2
ANSWER_WITHIN = timedelta(days=7)
LOOK_AHEAD_DAYS = 14


def resources_of(session: Session, brand_id: int) -> list[Resource]:
    """The brand's active technicians, as the slot finder wants them (bad hours are skipped)."""
    out = []
    rows = session.scalars(
        select(AppointmentResource)
        .where(AppointmentResource.brand_id == brand_id, AppointmentResource.active.is_(True))
        .order_by(AppointmentResource.id)
    )
    for row in rows:
        try:
            hours = {
                int(day): tuple((parse_clock(a), parse_clock(b)) for a, b in spans)
                for day, spans in (row.hours or {}).items()
            }
        except (CalendarError, ValueError):
            continue
        out.append(Resource(str(row.id), row.name, hours, frozenset(row.kinds or [])))
    return out


def bookings_between(
    session: Session, brand_id: int, start: datetime, end: datetime
) -> list[Booking]:
    """Booked time of the brand's resources overlapping [start, end)."""
    rows = session.scalars(
        select(Appointment).where(
            Appointment.brand_id == brand_id,
            Appointment.status == BOOKED,
            Appointment.start_at < end,
            Appointment.end_at > start,
        )
    )
    return [Booking(str(a.id), str(a.resource_id), a.start_at, a.end_at) for a in rows]


def _day_bounds(day: date, config: BrandConfig) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), config.tz).astimezone(UTC)
    return start, start + timedelta(days=1)


def search_day(
    session: Session,
    appointment: Appointment,
    config: BrandConfig,
    *,
    day: date,
    within: tuple[time, time] | None,
    now: datetime,
    limit: int,
    duration: timedelta,
) -> SlotOffer | NoAvailability:
    start, end = _day_bounds(day, config)
    return find_slots(
        resources=resources_of(session, appointment.brand_id),
        bookings=bookings_between(session, appointment.brand_id, start, end),
        day=day,
        tz=config.tz,
        duration=duration,
        kind=appointment.kind,
        within=within,
        not_before=now,
        moving=str(appointment.id),
        limit=limit,
    )


@action(
    "offer_reschedule",
    RescheduleAction,
    describe=lambda ctx, a: describe_reschedule(ctx, a),
    label="Offer to reschedule",
    inputs=(
        Input("kind", "Visit kind", "text", help="empty: the customer's next visit of any kind"),
        Input("duration_minutes", "Minutes a slot", "number", help="empty: 120"),
        Input("limit", "Slots offered", "number", help="empty: 4"),
    ),
)
def offer_reschedule(ctx: ActionContext, action: RescheduleAction) -> Outcome:
    """Find slots on the day asked for (or the first day with room) and offer them by DM."""
    name = "offer_reschedule"
    existing = ctx.session.scalar(
        select(AppointmentOffer).where(AppointmentOffer.post_id == ctx.post.id)
    )
    if existing is not None:
        return Outcome(name, "skipped", f"offer {existing.id} already sent")
    customer = ctx.customer
    if customer is None:
        done = start_verification(ctx, purpose="reschedule your visit")
        if not ctx.post.direct:
            queue_message(
                ctx,
                f"Hi {ctx.first_name}, happy to help you find a new time. We've sent you a "
                "private message to confirm it's you first.",
                private=False,
                purpose="reschedule-ack",
            )
        return Outcome(name, "waiting", f"unknown customer: {done}")
    choice = choose_visit(ctx, customer)
    if isinstance(choice.result, NoMatch):
        return _no_such_visit(ctx, choice.result)
    if isinstance(choice.result, Ambiguous):
        return ask_which_visit(ctx, choice, limit=action.limit)
    appointment = choice.appointment()
    assert appointment is not None
    return offer_slots(ctx, appointment, choice.asked, limit=action.limit)


def _no_such_visit(ctx: ActionContext, result: NoMatch) -> Outcome:
    """Nothing on record fits what the customer named: say so privately, and a person follows."""
    found = "an upcoming visit" if result.named == "visit" else f"an upcoming {result.named}"
    queue_message(
        ctx,
        f"Hi {ctx.first_name}, we couldn't find {found} on your record. A member of our team "
        "will message you shortly to sort it out.",
        private=True,
        purpose="reschedule-none",
    )
    hand_over(ctx.session, ctx.case, f"reschedule: {result.reason}", actor=ctx.actor)
    return Outcome("offer_reschedule", "handed_off", result.reason)


def offer_slots(
    ctx: ActionContext, appointment: Appointment, asked: DayRequest | None, *, limit: int
) -> Outcome:
    """Free slots for this visit on the day asked for (or the first day with room), by DM."""
    name = "offer_reschedule"
    duration = appointment.end_at - appointment.start_at
    if asked is not None:
        result = search_day(
            ctx.session,
            appointment,
            ctx.config,
            day=asked.day,
            within=asked.within,
            now=ctx.now,
            limit=limit,
            duration=duration,
        )
    else:
        result = first_free_day(ctx, appointment, limit, duration)
    if isinstance(result, NoAvailability):
        queue_message(
            ctx,
            render_no_availability(result),
            private=True,
            purpose="reschedule-none",
        )
        hand_over(ctx.session, ctx.case, f"reschedule: {result.reason}", actor=ctx.actor)
        return Outcome(name, "handed_off", result.reason)
    row = AppointmentOffer(
        appointment_id=appointment.id,
        case_id=ctx.case.id,
        post_id=ctx.post.id,
        day=result.day,
        options=[_option_json(o) for o in result.options],
        status=OFFERED,
        clarifications=0,
        created_at=ctx.now,  # when the automation ran: answers are timed against it
    )
    ctx.session.add(row)
    ctx.session.flush()
    queue_message(ctx, render_offer(result), private=True, purpose="reschedule-offer")
    if not ctx.post.direct:
        queue_message(
            ctx,
            f"Hi {ctx.first_name}, we've sent you a private message with the times we have "
            f"on {result.day:%A}.",
            private=False,
            purpose="reschedule-ack",
        )
    _audit(ctx.session, appointment, ctx.case.id, "appointment.offered", ctx.actor, offer=row.id)
    return Outcome(
        name,
        "done",
        f"{len(result.options)} slots offered for {result.day:%a %d %b}",
        {"offer": row.id},
    )


def first_free_day(
    ctx: ActionContext, appointment: Appointment, limit: int, duration: timedelta
) -> SlotOffer | NoAvailability:
    """No day named: the first day in the next two weeks with room."""
    first = ctx.now.astimezone(ctx.config.tz).date()
    result: SlotOffer | NoAvailability = NoAvailability(first, "no day named")
    for offset in range(LOOK_AHEAD_DAYS):
        result = search_day(
            ctx.session,
            appointment,
            ctx.config,
            day=first + timedelta(days=offset),
            within=None,
            now=ctx.now,
            limit=limit,
            duration=duration,
        )
        if isinstance(result, SlotOffer):
            return result
    return NoAvailability(first, f"no free slot in the next {LOOK_AHEAD_DAYS} days")


def _option_json(option: SlotOption) -> dict[str, Any]:
    slot = option.slot
    return {
        "number": option.number,
        "resource_id": slot.resource_id,
        "resource_name": slot.resource_name,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
    }


def offer_of(row: AppointmentOffer, config: BrandConfig) -> SlotOffer:
    """The stored options as the answer parser wants them."""
    options = tuple(
        SlotOption(
            int(o["number"]),
            Slot(
                str(o["resource_id"]),
                str(o["resource_name"]),
                datetime.fromisoformat(o["start"]),
                datetime.fromisoformat(o["end"]),
            ),
        )
        for o in row.options
    )
    return SlotOffer(day=row.day, tz=config.tz, options=options)


def open_offer_for(session: Session, post: Post, author: Author) -> AppointmentOffer | None:
    """The offer this post answers: same case, or a DM from the customer the offer was for."""
    if post.case_id is None:
        return None
    candidates = select(AppointmentOffer).where(
        AppointmentOffer.status.in_(OPEN_OFFERS),
        AppointmentOffer.created_at >= post.created_at - ANSWER_WITHIN,
    )
    same_customer = (
        AppointmentOffer.appointment_id.in_(
            select(Appointment.id).where(
                Appointment.customer_id == author.customer_id,
                Appointment.brand_id == (post.brand_id or -1),
            )
        )
        if post.direct and author.customer_id is not None
        else None
    )
    where = (
        or_(AppointmentOffer.case_id == post.case_id, same_customer)
        if same_customer is not None
        else AppointmentOffer.case_id == post.case_id
    )
    return session.scalar(
        candidates.where(where).order_by(AppointmentOffer.created_at.desc()).limit(1)
    )


def answer_offer(ctx: ActionContext, row: AppointmentOffer) -> Outcome:
    """Read the customer's pick and act on it."""
    if row.status == ASKING:
        return _answer_which_visit(ctx, row)
    name = "reschedule_answer"
    appointment = ctx.session.get(Appointment, row.appointment_id)
    if appointment is None or appointment.status != BOOKED:
        row.status = GAVE_UP
        return Outcome(name, "skipped", "the appointment is no longer booked")
    offer = offer_of(row, ctx.config)
    result = parse_choice(ctx.post.text, offer)
    row.answer_post_id = ctx.post.id
    row.answered_at = ctx.now
    if isinstance(result, Chosen):
        return _move(ctx, row, appointment, result)
    if isinstance(result, NoneOfThese):
        row.status = DECLINED
        return _declined(ctx, row, name, "none of the offered times suit", "to find another time")
    return _ask_again(ctx, row, result, offer, name, gave_up=GAVE_UP, unclear=UNCLEAR, what="time")


def _answer_which_visit(ctx: ActionContext, row: AppointmentOffer) -> Outcome:
    """The customer said which visit: offer its slots on the day first asked for."""
    name = "reschedule_which_visit"
    question = question_of(row, ctx.config)
    result = read_answer(ctx, row, question)
    row.answer_post_id = ctx.post.id
    row.answered_at = ctx.now
    if isinstance(result, NoneOfThese):
        row.status = QUESTION_DECLINED
        return _declined(ctx, row, name, "none of the listed visits is the one", "to sort it out")
    if not isinstance(result, Chosen):
        return _ask_again(
            ctx, row, result, question, name, gave_up=QUESTION_GAVE_UP, unclear=ASKING, what="visit"
        )
    appointment = take_answer(ctx, row, result)
    if appointment is None:
        return _declined(
            ctx, row, name, "the chosen visit is no longer booked", "to sort it out", "Sorry,"
        )
    asked_post = ctx.session.get(Post, row.post_id) if row.post_id is not None else None
    asked = (
        asked_day(asked_post.text, created_at=asked_post.created_at, tz=ctx.config.tz)
        if asked_post is not None
        else None
    )
    return offer_slots(ctx, appointment, asked, limit=slot_limit(row))


def _declined(
    ctx: ActionContext,
    row: AppointmentOffer,
    name: str,
    reason: str,
    then: str,
    opening: str = "No problem.",
) -> Outcome:
    """Nothing offered will do: tell the customer a person follows, and hand the case over."""
    queue_message(
        ctx,
        f"{opening} A member of our team will message you shortly {then}.",
        private=True,
        purpose=f"reschedule-declined-{row.id}",
    )
    hand_over(ctx.session, ctx.case, f"reschedule: {reason}", actor=ctx.actor)
    return Outcome(name, "handed_off", reason)


def _ask_again(
    ctx: ActionContext,
    row: AppointmentOffer,
    result: Unclear,
    offer: SlotOffer,
    name: str,
    *,
    gave_up: str,
    unclear: str,
    what: str,
) -> Outcome:
    """An unclear answer is asked again, twice at most; then a person takes over."""
    if row.clarifications >= MAX_CLARIFICATIONS:
        row.status = gave_up
        queue_message(
            ctx,
            f"Sorry, I couldn't tell which {what} you meant. A member of our team will message "
            "you shortly.",
            private=True,
            purpose=f"reschedule-unclear-{row.id}",
        )
        hand_over(
            ctx.session, ctx.case, f"reschedule: unclear answer ({result.reason})", actor=ctx.actor
        )
        return Outcome(name, "handed_off", result.reason)
    row.clarifications += 1
    row.status = unclear
    queue_message(
        ctx,
        render_clarification(result, offer),
        private=True,
        purpose=f"reschedule-clarify-{row.id}-{row.clarifications}",
    )
    return Outcome(name, "done", f"asked again: {result.reason}")


def _move(
    ctx: ActionContext, row: AppointmentOffer, appointment: Appointment, chosen: Chosen
) -> Outcome:
    slot = chosen.option.slot
    start, end = _day_bounds(row.day, ctx.config)
    current = bookings_between(ctx.session, appointment.brand_id, start, end)
    conflict = check_conflict(slot, current, moving=str(appointment.id))
    if conflict is not None:
        row.status = CONFLICT
        queue_message(
            ctx,
            render_conflict(conflict, ctx.config.tz),
            private=True,
            purpose=f"reschedule-conflict-{row.id}",
        )
        hand_over(
            ctx.session,
            ctx.case,
            f"reschedule: {slot.describe(ctx.config.tz)} was taken",
            actor=ctx.actor,
        )
        return Outcome("reschedule_answer", "handed_off", "the chosen slot was taken meanwhile")
    before = _snapshot(appointment)
    appointment.start_at, appointment.end_at = slot.start, slot.end
    appointment.resource_id = int(slot.resource_id)
    appointment.sequence += 1
    appointment.case_id = appointment.case_id or ctx.case.id
    row.status = CHOSEN
    row.chosen_number = chosen.option.number
    ctx.session.flush()
    _audit(
        ctx.session, appointment, ctx.case.id, "appointment.rescheduled", ctx.actor, before=before
    )
    queue_message(
        ctx,
        render_confirmation(slot, ctx.config.tz),
        private=True,
        purpose=f"reschedule-confirmed-{row.id}",
    )
    return Outcome(
        "reschedule_answer",
        "done",
        f"moved to {slot.describe(ctx.config.tz)}",
        {"appointment": appointment.id},
    )


def _snapshot(appointment: Appointment) -> dict[str, Any]:
    return {
        "appointment_id": appointment.id,
        "resource_id": appointment.resource_id,
        "start_at": appointment.start_at.isoformat(),
        "end_at": appointment.end_at.isoformat(),
        "status": appointment.status,
        "sequence": appointment.sequence,
    }


def _audit(
    session: Session,
    appointment: Appointment,
    case_id: int | None,
    action: str,
    actor: str,
    *,
    before: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    after = {**_snapshot(appointment), **extra}
    audit.record(
        session,
        entity_type="appointment",
        entity_id=appointment.id,
        action=action,
        actor=actor,
        before=before or {},
        after=after,
    )
    if case_id is not None:
        audit.record(
            session,
            entity_type="case",
            entity_id=case_id,
            action=action,
            actor=actor,
            before=before or {},
            after=after,
        )


def resume_reschedules(
    session: Session, *, author: Author, settings: Settings, now: datetime | None = None
) -> int:
    """Reschedule requests that waited for this author's verification run now."""
    from atdesk.automations.engine.stage import rerun_waiting

    runs: Sequence[RuleRun] = session.scalars(
        select(RuleRun)
        .join(Post, Post.id == RuleRun.post_id)
        .where(Post.author_id == author.id)
        .order_by(RuleRun.id)
    ).all()
    count = 0
    for run in runs:
        if any(
            o.get("action") == "offer_reschedule" and o.get("status") == "waiting"
            for o in run.outcomes or []
        ):
            count += rerun_waiting(session, run, "offer_reschedule", settings=settings, now=now)
    return count


@on_identified(order=20)
def resume_after_identified(
    session: Session,
    *,
    author: Author,
    customer: Customer,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Reschedule requests that waited for this author's identity run now (after callbacks)."""
    resume_reschedules(session, author=author, settings=settings, now=now)


def posts_answering_offers(session: Session, posts: Sequence[Post]) -> set[int]:
    """The batch's posts an open offer may be waiting on: open_offer_for's match, one read."""
    with_case = [post for post in posts if post.case_id is not None]
    if not with_case:
        return set()
    customers = {
        post.author.customer_id
        for post in with_case
        if post.direct and post.author.customer_id is not None
    }
    since = min(post.created_at for post in with_case) - ANSWER_WITHIN
    where: ColumnElement[bool] = AppointmentOffer.case_id.in_({p.case_id for p in with_case})
    if customers:
        where = or_(where, Appointment.customer_id.in_(customers))
    rows = session.execute(
        select(AppointmentOffer.case_id, Appointment.customer_id, Appointment.brand_id)
        .outerjoin(Appointment, Appointment.id == AppointmentOffer.appointment_id)
        .where(
            AppointmentOffer.status.in_(OPEN_OFFERS),
            AppointmentOffer.created_at >= since,
            where,
        )
    ).all()
    offered_cases = {case_id for case_id, _, _ in rows}
    offered_customers = {(customer, brand) for _, customer, brand in rows if customer is not None}
    return {
        post.id
        for post in with_case
        if post.case_id in offered_cases
        or (post.direct and (post.author.customer_id, post.brand_id or -1) in offered_customers)
    }


@reply_handler(
    "reschedule-answer",
    order=10,
    screen=posts_answering_offers,
    watch=(AppointmentOffer, Appointment, Author),
)
def answer_open_offer(ctx: ActionContext) -> Outcome | None:
    """A post that answers an open slot offer is the customer's pick: act on it, no rules."""
    offer = open_offer_for(ctx.session, ctx.post, ctx.post.author)
    if offer is None:
        return None
    ctx.follow_up_of = offer.post_id  # the answer's messages follow up the offer
    return answer_offer(ctx, offer)


def describe_reschedule(ctx: ActionContext, action: RescheduleAction) -> str:
    """The visit that would move and the slots offered, or why a person is needed."""
    customer = ctx.customer
    if customer is None:
        return "send a verification link by DM, then offer slots"
    choice = choose_visit(ctx, customer)
    if isinstance(choice.result, NoMatch):
        return f"hand to a person: {choice.result.reason}"
    if isinstance(choice.result, Ambiguous):
        return f"ask by DM which visit to move: {choice.result.reason}"
    visit = choice.appointment()
    assert visit is not None
    duration = visit.end_at - visit.start_at
    asked = choice.asked
    result = (
        search_day(
            ctx.session,
            visit,
            ctx.config,
            day=asked.day,
            within=asked.within,
            now=ctx.now,
            limit=action.limit,
            duration=duration,
        )
        if asked is not None
        else first_free_day(ctx, visit, action.limit, duration)
    )
    if isinstance(result, NoAvailability):
        return f"say there is no free time and hand to a person: {result.reason}"
    options = render_offer(result).splitlines()[1:-1]
    return "offer by DM: " + "; ".join(options)
