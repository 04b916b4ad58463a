"""An incident from end to end with a recording outbox: made from cases, joined by a new matching
case on the live path, one personalised update per customer, approval, closing with surveys."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.errors import AppError, Conflict, NotFound
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.insights.incidents.service import (
    IncidentError,
    LeadsOnly,
    close_incident,
    create_from_cases,
)
from atdesk.insights.incidents.updates import APPROVAL_SETTING, approve_update, post_update
from atdesk.jobs import queue as jobs
from atdesk.models import (
    AutomationJob,
    Brand,
    Case,
    Incident,
    IncidentCase,
    IncidentUpdate,
    Survey,
)
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction
from tests.factories import post as jsonl_post
from tests.insights.incidents import Desk, user
from tests.surveys.helpers import run, x_post


@pytest.fixture
def desk(settings: Settings, http: httpx.Client) -> Desk:
    return Desk(settings, http)


def make_incident(desk: Desk, case_ids: list[int], terms: tuple[str, ...] = ("outage",)) -> int:
    with transaction(desk.url) as session:
        incident = create_from_cases(
            session,
            case_ids=case_ids,
            title="App login outage",
            terms=terms,
            brand_ids=None,
            actor=user(session, "sam"),
            now=desk.at(5),
        )
        return incident.id


def links(desk: Desk, incident_id: int) -> dict[int, str]:
    with transaction(desk.url) as session:
        rows = session.execute(
            select(IncidentCase.case_id, IncidentCase.how).where(
                IncidentCase.incident_id == incident_id
            )
        )
        return dict(rows.all())


def test_made_from_cases_and_joined_by_a_new_matching_case_as_it_arrives(desk: Desk) -> None:
    dana = desk.mention("1", "login outage, app says 503", author="4400000001", handle="dana")
    lee = desk.mention("2", "can't get in since 9am", author="4400000002", handle="lee")
    incident_id = make_incident(desk, [dana, lee], terms=("outage", "can't log in"))
    assert links(desk, incident_id) == {dana: "manual", lee: "manual"}

    kim = desk.mention("3", "is there an OUTAGE? nothing loads", author="4400000003", handle="kim")
    joe = desk.mention("4", "I can't  log in either", author="4400000004", handle="joe")
    ray = desk.mention(
        "5", "outages2day lol, question about fees", author="4400000005", handle="ray"
    )
    assert links(desk, incident_id) == {
        dana: "manual",
        lee: "manual",
        kim: "matched",
        joe: "matched",
    }
    assert ray not in links(desk, incident_id)
    with transaction(desk.url) as session:
        case_audit = session.scalars(
            select(AutomationJob).where(AutomationJob.case_id == kim)
        ).all()
        assert case_audit == []  # linking queues nothing by itself
    # A history ingest never joins an incident (only live arrivals do).
    with transaction(desk.url) as session:
        process_events(
            session,
            [
                RawEvent(
                    "jsonl", jsonl_post("6", "@acmehelp outage", author="4400000006", handle="old")
                )
            ],
            history=True,
        )
    assert len(links(desk, incident_id)) == 4


def test_a_closed_incident_links_nothing_more(desk: Desk) -> None:
    dana = desk.mention("1", "login outage", author="4400000001", handle="dana")
    incident_id = make_incident(desk, [dana])
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        close_incident(session, incident, actor=user(session, "sam"), now=desk.at(10))
    desk.mention("2", "outage again", author="4400000002", handle="lee", minutes=20)
    assert list(links(desk, incident_id)) == [dana]


def test_cases_of_two_brands_an_agent_or_no_cases_are_refused(desk: Desk) -> None:
    dana = desk.mention("1", "login outage", author="4400000001", handle="dana")
    with transaction(desk.url) as session:
        other = create_brand(session, "Globex", [(Network.X, "globexhelp", "1300000000")])
        run(
            session,
            x_post("9", "@globexhelp outage too", desk.at(1), author="4400000009", handle="max"),
        )
        theirs = session.scalars(select(Case.id).where(Case.brand_id == other.id)).one()
    with transaction(desk.url) as session:
        sam = user(session, "sam")
        with pytest.raises(IncidentError, match="belong to Acme, Globex; an incident covers one"):
            create_from_cases(
                session,
                case_ids=[dana, theirs],
                title="x",
                brand_ids=None,
                actor=sam,
                now=desk.at(5),
            )
        with pytest.raises(NotFound, match=f"no case {theirs} in your brands"):
            create_from_cases(
                session,
                case_ids=[dana, theirs],
                title="x",
                brand_ids=frozenset({desk.brand_id}),
                actor=sam,
                now=desk.at(5),
            )
        with pytest.raises(IncidentError, match="pick at least one case"):
            create_from_cases(
                session, case_ids=[], title="x", brand_ids=None, actor=sam, now=desk.at(5)
            )
        with pytest.raises(LeadsOnly):
            create_from_cases(
                session,
                case_ids=[dana],
                title="x",
                brand_ids=None,
                actor=user(session, "ana"),
                now=desk.at(5),
            )
        with pytest.raises(AppError, match="too short"):
            create_from_cases(
                session,
                case_ids=[dana],
                title="x",
                terms=["ok"],
                brand_ids=None,
                actor=sam,
                now=desk.at(5),
            )


def test_one_personalised_update_per_customer_exactly_once(desk: Desk) -> None:
    dana = desk.mention("1", "login outage", author="4400000001", handle="dana", name="Dana Fox")
    again = desk.mention("1b", "still the outage!!", author="4400000001", handle="dana", minutes=1)
    lee = desk.mention("2", "outage here too", author="4400000002", handle="lee", name="Lee Park")
    assert again != dana  # a new mention, not a reply: dana has two cases
    incident_id = make_incident(desk, [dana, again, lee])
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        update = post_update(
            session,
            incident,
            text="we found the cause and expect a fix within the hour.",
            visibility="public",
            actor=user(session, "sam"),
            now=desk.at(10),
        )
        assert update.status == "sent"
    deliveries = desk.deliveries()
    assert sorted(d.text for d in deliveries) == [
        "Hi Dana, we found the cause and expect a fix within the hour.",
        "Hi Lee, we found the cause and expect a fix within the hour.",
    ]
    assert {d.status for d in deliveries} == {"queued"}
    assert desk.run_jobs() == 2
    assert sorted(m.text for m in desk.outbox.sent) == sorted(d.text for d in deliveries)
    assert all(m.target is not None for m in desk.outbox.sent)  # public replies in the threads
    assert {d.status for d in desk.deliveries()} == {"sent"}
    # The job queue running again (or a replayed job) sends nobody anything more.
    with transaction(desk.url) as session:
        for job in session.scalars(select(AutomationJob)):
            jobs.retry_now(session, job)
    desk.clock.advance(3600)
    desk.run_jobs()
    assert len(desk.outbox.sent) == 2


def test_history_cases_are_linked_but_never_answered(desk: Desk) -> None:
    dana = desk.mention("1", "login outage", author="4400000001", handle="dana")
    with transaction(desk.url) as session:
        old = jsonl_post("0", "@acmehelp outage back then", author="4400000007", handle="old")
        process_events(session, [RawEvent("jsonl", old)], history=True)
        archived = session.scalars(select(Case.id).where(Case.history.is_(True))).one()
    incident_id = make_incident(desk, [dana, archived])
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        post_update(
            session,
            incident,
            text="fixed",
            visibility="public",
            actor=user(session, "sam"),
            now=desk.at(9),
        )
    assert [d.case_id for d in desk.deliveries()] == [dana]


def test_private_updates_and_texts_too_long_for_the_network(desk: Desk) -> None:
    dana = desk.mention("1", "login outage", author="4400000001", handle="dana", name="Dana Fox")
    incident_id = make_incident(desk, [dana])
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        sam = user(session, "sam")
        # 275 characters: the greeting would make 284 (over X's 280), so it is dropped.
        fits_bare = "x" * 274 + "."
        post_update(
            session, incident, text=fits_bare, visibility="public", actor=sam, now=desk.at(9)
        )
        with pytest.raises(IncidentError, match=r"Too long to send: 290 of 280"):
            post_update(
                session, incident, text="y" * 290, visibility="public", actor=sam, now=desk.at(9)
            )
        with pytest.raises(AppError, match=r"unknown variable \{account\}"):
            post_update(
                session,
                incident,
                text="hi {account}",
                visibility="public",
                actor=sam,
                now=desk.at(9),
            )
        post_update(
            session,
            incident,
            text="{first_name}, a private note: your data is safe.",
            visibility="private",
            actor=sam,
            now=desk.at(10),
        )
    (public, private) = desk.deliveries()
    assert public.text == "x" * 274 + "." and public.mode == "public"
    assert private.text == "Dana, a private note: your data is safe." and private.mode == "private"
    desk.run_jobs()
    dm = next(m for m in desk.outbox.sent if m.recipient is not None)
    assert dm.text == private.text and dm.recipient is not None and dm.recipient.handle == "dana"


def test_the_brand_asks_for_a_second_supervisor(desk: Desk) -> None:
    dana = desk.mention("1", "login outage", author="4400000001", handle="dana")
    incident_id = make_incident(desk, [dana])
    with transaction(desk.url) as session:
        brand = session.get(Brand, desk.brand_id)
        assert brand is not None
        brand.settings = {**(brand.settings or {}), APPROVAL_SETTING: True}
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        update = post_update(
            session,
            incident,
            text="fixed soon",
            visibility="public",
            actor=user(session, "sam"),
            now=desk.at(9),
        )
        assert update.status == "pending"
        update_id = update.id
    assert desk.deliveries() == [] and desk.run_jobs() == 0
    # A case linked while the update waits gets it too: approval plans from the cases now.
    lee = desk.mention("2", "outage?", author="4400000002", handle="lee", minutes=2)
    assert lee in links(desk, incident_id)
    with transaction(desk.url) as session:
        held = session.get(IncidentUpdate, update_id)
        assert held is not None
        with pytest.raises(IncidentError, match="second supervisor"):
            approve_update(session, held, reviewer=user(session, "sam"), now=desk.at(10))
        with pytest.raises(LeadsOnly):
            approve_update(session, held, reviewer=user(session, "ana"), now=desk.at(10))
        sent = approve_update(session, held, reviewer=user(session, "sue"), now=desk.at(10))
        assert len(sent) == 2
    assert desk.run_jobs() == 2
    assert sorted(m.text for m in desk.outbox.sent) == ["Hi Dana, fixed soon", "Hi Lee, fixed soon"]


def test_closing_resolves_the_open_cases_and_their_surveys_follow(desk: Desk) -> None:
    first = desk.world.answered_case("1")
    second = desk.world.answered_case("2", author="4400000002", handle="lee")
    done = desk.world.answered_case("3", author="4400000003", handle="kim")
    desk.world.resolve(done)
    incident_id = make_incident(desk, [first, second, done])
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert close_incident(session, incident, actor=user(session, "sam"), now=desk.at(30)) == 2
        with pytest.raises(Conflict, match="already closed"):
            close_incident(session, incident, actor=user(session, "sam"), now=desk.at(31))
    assert {desk.case(c).status for c in (first, second, done)} == {"resolved"}
    assert desk.case(first).resolved_by == "sam"
    desk.world.sweep()
    surveyed = {s.case_id: s.status for s in desk.world.surveys()}
    assert set(surveyed) == {first, second, done}
    with transaction(desk.url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.status == "closed"
        assert session.scalars(select(Survey).where(Survey.case_id == first)).one().status in (
            "queued",
            "sent",
        )
