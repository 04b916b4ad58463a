"""A customer with several visits gets the one they name moved: by its current day, its kind or
its words, or the only one; several fits are asked by numbered DM, none is a person's job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.models import (
    Appointment,
    AppointmentOffer,
    AppointmentResource,
    AuditEvent,
    Case,
    CaseTag,
)
from atdesk.storage.session import transaction
from tests.automations.helpers import automate, jobs_of, post
from tests.factories import make_brand

WEEKDAYS = {str(d): [["08:00", "12:00"], ["13:00", "17:00"]] for d in range(5)}
# The posts are written on Monday 23 November 2026 (tests.automations.helpers.NOW).
ROUTER_REPAIR = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # Tue 24 Nov
INSTALL = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # Sat 5 Dec
LATER_REPAIR = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)  # Sat 12 Dec
ASK = "@acmehelp please reschedule my technician visit to this Friday anytime"


def _visits(session: Session, *starts: tuple[str, datetime, str]) -> dict[str, int]:
    """Mike's visits, by kind and start; their ids by the label given."""
    brand = make_brand(session)
    sam = AppointmentResource(
        brand_id=brand.id, name="Sam", kinds=["repair", "install"], hours=WEEKDAYS
    )
    alex = AppointmentResource(
        brand_id=brand.id, name="Alex", kinds=["repair", "install"], hours=WEEKDAYS
    )
    session.add_all([sam, alex])
    customer = create_customer(
        session, name="Mike T", phone="+1 312 555 0100", external_id="C-102", actor="test"
    )
    link_handle(session, customer, Network.X, "mike_t", actor="test")
    session.flush()
    ids = {}
    for label, start, notes in starts:
        visit = Appointment(
            brand_id=brand.id,
            customer_id=customer.id,
            resource_id=sam.id,
            kind=label.split()[-1],
            start_at=start,
            end_at=start + timedelta(hours=2),
            status="booked",
            notes=notes,
        )
        session.add(visit)
        session.flush()
        ids[label] = visit.id
    return ids


def _three(session: Session) -> dict[str, int]:
    return _visits(
        session,
        ("router repair", ROUTER_REPAIR, "Router keeps dropping the connection"),
        ("install", INSTALL, ""),
        ("later repair", LATER_REPAIR, "Check the wall socket"),
    )


def _ask(text: str, native_id: str = "10") -> dict[str, object]:
    return post(
        native_id, text, handle="mike_t", author="4400000102", name="Mike T", minutes_before=10
    )


def _answer(native_id: str, text: str, minutes_before: float = 5) -> dict[str, object]:
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


def _messages(url: str) -> list[tuple[bool, str]]:
    """(private, text) of every message job, oldest first."""
    return [
        (bool(j.payload["private"]), str(j.payload["text"])) for j in jobs_of(url, "message.send")
    ]


def _case_actions(session: Session) -> list[str]:
    case = session.scalars(select(Case)).one()
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case.id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(
    ("text", "meant", "day"),
    [
        ("@acmehelp please reschedule my Dec 5 visit to Friday", "install", date(2026, 11, 27)),
        ("@acmehelp can you reschedule my appointment on the 12th to Thursday", "later repair", date(2026, 11, 26)),
        ("@acmehelp please reschedule it from Tuesday to Thursday", "router repair", date(2026, 11, 26)),
    ],
)  # fmt: skip
def test_the_day_named_as_the_current_one_picks_the_visit(
    settings: Settings, text: str, meant: str, day: date
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        ids = _three(session)
        runs = automate(session, settings, _ask(text))
        assert [o.status for o in runs[0].outcomes] == ["done", "done"]
        offer = session.scalars(select(AppointmentOffer)).one()
        assert (offer.appointment_id, offer.status, offer.day) == (ids[meant], "offered", day)
    offered = _messages(url)[0]
    assert offered[0] and offered[1].startswith("Here are the times we can offer for your visit:")


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("@acmehelp please reschedule my install to Friday", "install"),
        ("@acmehelp reschedule the router repair to Thursday", "router repair"),
    ],
)
def test_the_kind_or_words_of_the_visit_pick_it(settings: Settings, text: str, meant: str) -> None:
    url = settings.database_url
    with transaction(url) as session:
        ids = _three(session)
        automate(session, settings, _ask(text))
        offer = session.scalars(select(AppointmentOffer)).one()
        assert offer.appointment_id == ids[meant]
        assert offer.status == "offered"


def test_the_only_upcoming_visit_is_moved_as_in_the_demo(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        ids = _visits(session, ("repair", ROUTER_REPAIR, ""))
        automate(session, settings, _ask(ASK))
        offer = session.scalars(select(AppointmentOffer)).one()
        assert (offer.appointment_id, offer.day) == (ids["repair"], date(2026, 11, 27))
    (offered, public) = _messages(url)
    assert offered[1].splitlines()[1] == "1) Fri 27 Nov 08:00–10:00 with Sam"
    assert public == (
        False,
        "Hi Mike, we've sent you a private message with the times we have on Friday.",
    )
    with transaction(url) as session:
        automate(session, settings, _answer("11", "1"))
        moved = session.get(Appointment, ids["repair"])
        assert moved is not None
        assert (moved.start_at, moved.sequence) == (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), 1)


def test_several_fits_are_asked_by_dm_and_the_answer_2_moves_that_visit(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        ids = _three(session)
        runs = automate(session, settings, _ask(ASK))
        assert [o.status for o in runs[0].outcomes] == ["done", "done"]
        assert "asked which of 3 visits" in runs[0].outcomes[-1].detail
        question = session.scalars(select(AppointmentOffer)).one()
        assert question.status == "which_visit"
    (asked, public) = _messages(url)
    assert asked == (
        True,
        "You have more than one visit coming up. Which one would you like to move?\n"
        "1) Repair: Tue 24 Nov 14:00–16:00 with Sam\n"
        "2) Install: Sat 5 Dec 09:00–11:00 with Sam\n"
        "3) Repair: Sat 12 Dec 10:00–12:00 with Sam\n"
        'Reply with the number of the visit, or "none" if it is none of these.',
    )
    # The public thread says only that a private message was sent.
    assert public == (
        False,
        "Hi Mike, happy to help you find a new time. We've sent you a private message to "
        "check which visit you'd like to move.",
    )
    with transaction(url) as session:
        runs = automate(session, settings, _answer("11", "2", minutes_before=4))
        assert runs[0].handled_by == "reschedule-answer"
        question, offer = session.scalars(select(AppointmentOffer).order_by(AppointmentOffer.id))
        assert (question.status, question.chosen_number) == ("visit_chosen", 2)
        # The slots are on the day first asked for, for the visit the customer chose.
        assert (offer.appointment_id, offer.day, offer.status) == (
            ids["install"],
            date(2026, 11, 27),
            "offered",
        )
    sent = len(_messages(url))
    # A replayed answer never asks or offers twice.
    with transaction(url) as session:
        assert automate(session, settings, _answer("11", "2", minutes_before=4)) == []
        assert len(session.scalars(select(AppointmentOffer)).all()) == 2
    assert len(_messages(url)) == sent
    with transaction(url) as session:
        automate(session, settings, _answer("12", "1"))
        moved = session.get(Appointment, ids["install"])
        assert moved is not None
        assert (moved.start_at, moved.sequence) == (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), 1)
        untouched = session.get(Appointment, ids["router repair"])
        assert untouched is not None and untouched.start_at == ROUTER_REPAIR
        assert {
            "appointment.which_visit_asked",
            "appointment.which_visit_answered",
            "appointment.offered",
            "appointment.rescheduled",
        } <= set(_case_actions(session))
    for private, text in _messages(url):
        if not private:
            assert "555" not in text and "Sat" not in text and "repair" not in text.lower()


def test_a_replayed_request_never_asks_twice(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        _three(session)
        automate(session, settings, _ask(ASK))
    before = [j.key for j in jobs_of(url)]
    with transaction(url) as session:
        assert automate(session, settings, _ask(ASK)) == []
        assert len(session.scalars(select(AppointmentOffer)).all()) == 1
    assert [j.key for j in jobs_of(url)] == before


def test_the_question_also_takes_the_visit_by_its_kind_or_day(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        ids = _three(session)
        automate(session, settings, _ask(ASK))
        automate(session, settings, _answer("11", "the one on the 12th please"))
        offer = session.scalars(
            select(AppointmentOffer).order_by(AppointmentOffer.id.desc())
        ).first()
        assert offer is not None and offer.appointment_id == ids["later repair"]


@pytest.mark.parametrize(
    ("text", "said", "reason"),
    [
        (
            "@acmehelp please reschedule my Dec 9 visit to Friday",
            "an upcoming visit on Wed 9 Dec",
            "reschedule: no upcoming visit on Wed 9 Dec on record",
        ),
        (
            "@acmehelp please reschedule my modem upgrade to Friday",
            "an upcoming upgrade visit",
            "reschedule: no upcoming upgrade visit on record",
        ),
    ],
)
def test_nothing_fitting_what_was_named_says_so_and_hands_over(
    settings: Settings, text: str, said: str, reason: str
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        ids = _three(session)
        runs = automate(session, settings, _ask(text))
        assert runs[0].outcomes[-1].status == "handed_off"
        assert session.scalars(select(AppointmentOffer)).all() == []
        assert "needs-human" in session.scalars(select(CaseTag.name)).all()
        handoff = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "automation.handoff")
        ).one()
        assert handoff.after == {"reason": reason}
        for visit_id in ids.values():
            visit = session.get(Appointment, visit_id)
            assert visit is not None and visit.sequence == 0
    ((private, reply),) = _messages(url)
    assert private
    assert reply == (
        f"Hi Mike, we couldn't find {said} on your record. A member of our team will message "
        "you shortly to sort it out."
    )
