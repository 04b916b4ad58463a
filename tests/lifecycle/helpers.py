"""A customer with something in every table that can hold them, and a scan for their words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.actions import add_note
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.models import (
    Appointment,
    AppointmentResource,
    Author,
    BusMessage,
    Callback,
    Case,
    Post,
    Survey,
    SurveyResponse,
    User,
)
from atdesk.models.base import Base
from tests.factories import T0, post, run

# Words only Dana's data holds (the workspace seeds her posts 1-3 in Acme's case).
DANA_WORDS = (
    "parcel",
    "555 0142",
    "refund me",
    "Dana Reyes",
    "dana@example.org",
    "note-kiwi",
    "callback-kiwi",
    "appointment-kiwi",
    "survey-kiwi",
    "loose-kiwi",
    "bus-kiwi",
)


@dataclass(frozen=True)
class Dana:
    """Ids of what the seeded customer has."""

    customer_id: int
    case_id: int
    author_id: int
    answer_score: int


def add_dana(session: Session) -> Dana:
    """Dana's record, handle, a note on her case, a callback, an appointment, a survey with
    her answer and a post of hers outside any case."""
    customer = create_customer(
        session, name="Dana Reyes", email="dana@example.org", phone="+14155550142", actor="test"
    )
    link_handle(session, customer, Network.X, "dana", actor="test")
    author = session.scalars(select(Author).where(Author.handle == "dana")).one()
    case = session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()
    ana = session.scalars(select(User).where(User.username == "ana")).one()
    add_note(session, case, "note-kiwi: she lives at 12 Elm Street", author=ana)
    session.add(
        Callback(
            brand_id=case.brand_id,
            case_id=case.id,
            customer_id=customer.id,
            author_id=author.id,
            reason="callback-kiwi about the parcel",
            window_start=T0 + timedelta(days=1),
            window_end=T0 + timedelta(days=1, hours=2),
            status="queued",
        )
    )
    resource = AppointmentResource(brand_id=case.brand_id, name="Store desk", kinds=["repair"])
    session.add(resource)
    session.flush()
    session.add(
        Appointment(
            brand_id=case.brand_id,
            customer_id=customer.id,
            resource_id=resource.id,
            case_id=case.id,
            kind="repair",
            start_at=T0 + timedelta(days=2),
            end_at=T0 + timedelta(days=2, hours=1),
            notes="appointment-kiwi bring the box",
        )
    )
    answer_post = session.scalars(select(Post).where(Post.native_id == "3")).one()
    survey = Survey(
        brand_id=case.brand_id,
        case_id=case.id,
        author_id=author.id,
        customer_id=customer.id,
        network="x",
        kind="csat",
        status="answered",
        text="@dana how did we do? survey-kiwi",
        sent_at=T0 + timedelta(hours=2),
        answered_at=T0 + timedelta(hours=3),
    )
    session.add(survey)
    session.flush()
    session.add(
        SurveyResponse(
            survey_id=survey.id,
            post_id=answer_post.id,
            brand_id=case.brand_id,
            case_id=case.id,
            author_id=author.id,
            customer_id=customer.id,
            kind="csat",
            score=2,
            comment="survey-kiwi too slow",
            answered_at=T0 + timedelta(hours=3),
        )
    )
    run(session, post("9", "loose-kiwi just saying hi to everyone", minutes=50))
    # The embedded bus keeps handled messages with the raw event (Dana's and Finn's).
    finn = post("7", "@acmehelp finn-bus", author="45", handle="finn")
    for raw in (post("8", "@acmehelp parcel bus-kiwi"), finn):
        session.add(
            BusMessage(
                topic="inbound",
                payload={"source": "jsonl", "payload": raw},
                created_at=T0,
                available_at=T0,
                done_at=T0,
            )
        )
    session.flush()
    return Dana(customer_id=customer.id, case_id=case.id, author_id=author.id, answer_score=2)


def words_left(session: Session, words: tuple[str, ...] = DANA_WORDS) -> list[str]:
    """Every table and column where one of these words is still stored (case-insensitive)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            blob = json.dumps({k: str(v) for k, v in row.items()}).lower()
            found.extend(f"{table.name}: {w}" for w in words if w.lower() in blob)
    return found
