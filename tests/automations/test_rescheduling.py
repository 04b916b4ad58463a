"""The brief's second example: "reschedule my technician visit to this Friday anytime" offers
free slots by DM, reads the pick, moves the visit and confirms; every dead end has a person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.customers.identity import complete_link
from atdesk.customers.service import CustomerError, create_customer, link_handle
from atdesk.customers.verification import redeem
from atdesk.domain.networks import Network
from atdesk.models import (
    Appointment,
    AppointmentOffer,
    AppointmentResource,
    Case,
    CaseTag,
    Customer,
)
from atdesk.storage.session import transaction
from tests.automations.helpers import NOW, automate, jobs_of, post, texts
from tests.factories import make_brand

ASK = "@acmehelp please reschedule my technician visit to this Friday anytime"
WEEKDAYS = {str(d): [["08:00", "12:00"], ["13:00", "17:00"]] for d in range(5)}


def _book(session: Session, *, linked: bool = True) -> tuple[Appointment, AppointmentResource]:
    brand = make_brand(session)
    sam = AppointmentResource(brand_id=brand.id, name="Sam", kinds=["repair"], hours=WEEKDAYS)
    alex = AppointmentResource(brand_id=brand.id, name="Alex", kinds=["repair"], hours=WEEKDAYS)
    session.add_all([sam, alex])
    customer = create_customer(
        session, name="Mike T", phone="+1 312 555 0100", external_id="C-102", actor="test"
    )
    if linked:
        link_handle(session, customer, Network.X, "mike_t", actor="test")
    session.flush()
    visit = Appointment(
        brand_id=brand.id,
        customer_id=customer.id,
        resource_id=sam.id,
        kind="repair",
        start_at=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
        end_at=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
        status="booked",
    )
    friday_job = Appointment(
        brand_id=brand.id,
        customer_id=customer.id,
        resource_id=sam.id,
        kind="repair",
        start_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
        end_at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
        status="booked",
    )
    session.add_all([visit, friday_job])
    session.flush()
    return visit, sam


def _ask(**extra: object) -> dict[str, object]:
    return post("10", ASK, handle="mike_t", author="4400000102", name="Mike T", **extra)


def _answer(native_id: str, text: str, minutes_before: float = 2) -> dict[str, object]:
    return post(
        native_id,
        text,
        handle="mike_t",
        author="4400000102",
        name="Mike T",
        direct=True,
        to="acmehelp",
        minutes_before=minutes_before,
    )


def test_offer_by_dm_then_the_pick_moves_the_visit_and_confirms(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        visit, _ = _book(session)
        runs = automate(session, settings, _ask(minutes_before=10))
        assert [o.status for o in runs[0].outcomes] == ["done", "done"]
    offer_text, public = texts(jobs_of(url, "message.send"))
    assert offer_text.splitlines()[1:5] == [
        "1) Fri 27 Nov 08:00–10:00 with Sam",
        "2) Fri 27 Nov 10:00–12:00 with Sam",
        "3) Fri 27 Nov 13:00–15:00 with Alex",
        "4) Fri 27 Nov 15:00–17:00 with Alex",
    ]
    assert "private message" in public
    with transaction(url) as session:
        runs = automate(session, settings, _answer("11", "2 please"))
        assert runs[0].handled_by == "reschedule-answer"
        moved = session.get(Appointment, visit.id)
        assert moved is not None
        assert (moved.start_at, moved.end_at) == (
            datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
        )
        assert moved.sequence == 1
        offer = session.scalars(select(AppointmentOffer)).one()
        assert (offer.status, offer.chosen_number) == ("chosen", 2)
        case = session.scalars(select(Case)).one()
        assert offer.case_id == case.id
    confirmation = texts(jobs_of(url, "message.send"))[-1]
    assert confirmation == (
        "Done: your visit is now Fri 27 Nov 10:00–12:00 with Sam. We've updated your calendar."
    )


def test_a_pick_in_the_same_batch_as_the_request_answers_the_offer_made_there(
    settings: Settings,
) -> None:
    # The reply handlers' screen is read once per batch (ADR 104): the offer made for the first
    # post must still be seen by the second, which arrived in the same batch.
    url = settings.database_url
    with transaction(url) as session:
        visit, _ = _book(session)
        runs = automate(session, settings, _ask(minutes_before=10), _answer("11", "2 please"))
        assert [run.handled_by for run in runs] == ["rules", "reschedule-answer"]
        moved = session.get(Appointment, visit.id)
        assert moved is not None
        assert moved.start_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_an_unclear_answer_is_asked_again_then_understood(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        visit, _ = _book(session)
        automate(session, settings, _ask(minutes_before=10))
        automate(session, settings, _answer("11", "the morning one", minutes_before=4))
        assert session.scalars(select(AppointmentOffer)).one().status == "unclear"
    assert texts(jobs_of(url, "message.send"))[-1] == (
        'Sorry, which one would you like? Please reply 1 or 2, or "none".'
    )
    with transaction(url) as session:
        automate(session, settings, _answer("12", "the 8am one"))
        moved = session.get(Appointment, visit.id)
        assert moved is not None and moved.start_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_a_slot_taken_meanwhile_gets_a_clear_answer_and_a_person(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        visit, sam = _book(session)
        automate(session, settings, _ask(minutes_before=10))
        session.add(
            Appointment(
                brand_id=visit.brand_id,
                customer_id=visit.customer_id,
                resource_id=sam.id,
                kind="repair",
                start_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
                end_at=datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
                status="booked",
            )
        )
        session.flush()
        automate(session, settings, _answer("11", "2"))
        assert session.get(Appointment, visit.id).start_at.day == 24  # type: ignore[union-attr]
        assert session.scalars(select(AppointmentOffer)).one().status == "conflict"
        assert "needs-human" in session.scalars(select(CaseTag.name)).all()
    assert "was just taken" in texts(jobs_of(url, "message.send"))[-1]


def test_no_free_slot_that_day_hands_over(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        visit, _ = _book(session)
        for resource in session.scalars(select(AppointmentResource)):
            resource.hours = {"0": [["08:00", "12:00"]]}  # Mondays only
        session.flush()
        automate(session, settings, _ask())
        assert session.scalars(select(AppointmentOffer)).all() == []
        assert "needs-human" in session.scalars(select(CaseTag.name)).all()
    (reply,) = texts(jobs_of(url, "message.send"))
    assert reply.startswith("Sorry, we have no free time for your visit on Friday 27 November.")
    assert visit.sequence == 0


def test_none_of_these_hands_over_to_find_another_time(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        _book(session)
        automate(session, settings, _ask(minutes_before=10))
        automate(session, settings, _answer("11", "none of those work for me"))
        assert session.scalars(select(AppointmentOffer)).one().status == "declined"
        assert "needs-human" in session.scalars(select(CaseTag.name)).all()


def test_an_unknown_customer_verifies_first_then_gets_the_offer(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        visit, _ = _book(session, linked=False)
        runs = automate(session, settings, _ask(minutes_before=10))
        assert runs[0].outcomes[-1].status == "waiting"
    link = texts(jobs_of(url, "message.send"))[0].split()[-1]
    token = link.rsplit("/", 1)[1]
    with transaction(url) as session, pytest.raises(CustomerError, match="do not match"):
        redeem(
            session,
            token,
            secret_key=settings.secret_key,
            now=NOW,
            customer_number="C-102",
            phone="+1 312 555 9999",
        )
    with transaction(url) as session:
        used = redeem(
            session,
            token,
            secret_key=settings.secret_key,
            now=NOW,
            customer_number="C-102",
            phone="(312) 555-0100",
        )
        assert used.customer.id == visit.customer_id
        complete_link(session, used, settings=settings, now=NOW)
    with transaction(url) as session:
        offer = session.scalars(select(AppointmentOffer)).one()
        assert offer.appointment_id == visit.id and offer.status == "offered"
        assert len(session.scalars(select(Customer)).all()) == 1
    assert texts(jobs_of(url, "message.send"))[-1].startswith(
        "Here are the times we can offer for your visit:"
    )
