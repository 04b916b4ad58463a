"""What people see: the customer panel's CSAT/NPS history on the case page, the surveys page
with each brand's response rate, CSAT and NPS, the settings form, and the REST API."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import AuditEvent, Brand, Post
from atdesk.storage.session import transaction
from atdesk.surveys.settings import survey_settings
from atdesk.web.app import create_app
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.cases.factories import PASSWORD, staff, team
from tests.respond.fakes import RecordingOutbox
from tests.surveys.helpers import World, dm, x_post
from tests.web.conftest import csrf_of

CUSTOMERS = [("4400000001", "dana"), ("4400000002", "lee"), ("4400000003", "kim")]
LEE = {"author": "4400000002", "handle": "lee"}


def login(settings: Settings, username: str) -> TestClient:
    client = TestClient(create_app(settings, outbox=RecordingOutbox()), follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
    return client


def answered_world(settings: Settings, http: httpx.Client, kind: str = "csat") -> World:
    """Three customers' cases resolved and surveyed; dana answers 5, lee 2, kim is silent."""
    world = World(settings, http).setup(kind=kind)
    with transaction(world.url) as session:
        staff(session, "root", Role.ADMIN)
    for n, (author, handle) in enumerate(CUSTOMERS, start=1):
        world.resolve(world.answered_case(str(n), author=author, handle=handle))
    world.sweep()
    world.send(minutes=1)
    world.post(
        dm("50", "5 thanks, super quick!", world.at(3)),
        dm("51", "2 - took three tries", world.at(4), author="4400000002", handle="lee"),
    )
    return world


def test_the_customer_panel_lists_the_csat_history(settings: Settings, http: httpx.Client) -> None:
    world = answered_world(settings, http)
    (surveyed, *_) = world.surveys()
    world.post(x_post("60", "@acmehelp hi again, new question about fees", world.at(10)))
    with transaction(world.url) as session:
        new_case = session.scalars(select(Post.case_id).where(Post.native_id == "60")).one()
    assert new_case != surveyed.case_id
    ana = login(settings, "ana")
    page = ana.get(f"/cases/{new_case}").text
    assert 'data-testid="survey-history"' in page
    assert "CSAT 5/5" in page and "super quick!" in page
    assert f'href="/cases/{surveyed.case_id}">#{surveyed.case_id}</a>' in page
    assert world.at(3).strftime("%Y-%m-%d") in page
    assert "No survey answers yet." not in page
    own = ana.get(f"/cases/{surveyed.case_id}").text
    assert "This case:" in own and "CSAT survey answered" in own
    # kim never answered: her panel says so, and her case's survey is out and waiting.
    kim = next(s for s in world.surveys() if s.status == "sent")
    silent = ana.get(f"/cases/{kim.case_id}").text
    assert "No survey answers yet." in silent and "answers count until" in silent


def test_a_skipped_survey_says_why_on_the_case(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    first, second = world.answered_case("1"), world.answered_case("2")
    world.resolve(first)
    world.resolve(second)
    world.sweep()
    page = login(settings, "ana").get(f"/cases/{second}").text
    assert "no survey (the customer was asked on" in page


def test_the_surveys_page_shows_rates_and_answers_and_saves_settings(
    settings: Settings, http: httpx.Client
) -> None:
    world = answered_world(settings, http)
    root = login(settings, "root")
    page = root.get(f"/surveys?brand_id={world.brand_id}").text
    assert 'data-testid="survey-summary"' in page
    assert "66.7%" in page  # 2 of 3 answered
    assert "3.50 · 50%" in page  # CSAT average of 5 and 2; one of two satisfied
    assert "super quick!" in page and "@lee" in page
    saved = root.post(
        "/surveys/settings",
        data={
            "brand_id": str(world.brand_id),
            "enabled": "on",
            "kind": "nps",
            "every_days": "30",
            "answer_days": "3",
            "csat_text": "",
            "nps_text": "{first_name}, would you recommend {brand}? 0-10",
        },
    )
    assert saved.status_code == 303
    with transaction(world.url) as session:
        brand = session.get(Brand, world.brand_id)
        assert brand is not None
        chosen = survey_settings(brand)
        assert (chosen.kind, chosen.every_days, chosen.answer_days) == ("nps", 30, 3)
        assert chosen.nps_text.startswith("{first_name}, would you")
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "brand.surveys")
        ).all() == ["brand.surveys"]
    refused = root.post(
        "/surveys/settings",
        data={"brand_id": str(world.brand_id), "kind": "nps", "every_days": "-3"},
    )
    assert refused.status_code == 303
    assert "every_days must be between 0 and 365" in root.get("/surveys").text
    assert root.get("/surveys?brand_id=").status_code == 200  # "All brands"
    assert root.get("/surveys?brand_id=999").status_code == 404
    agent = login(settings, "ana")
    assert agent.get("/surveys").status_code == 200
    forbidden = agent.post("/surveys/settings", data={"brand_id": str(world.brand_id)})
    assert forbidden.status_code == 403


def test_the_api_lists_and_filters_surveys(settings: Settings, http: httpx.Client) -> None:
    world = answered_world(settings, http)
    api = login(settings, "ana")
    everything = api.get("/api/v1/surveys").json()
    assert everything["total"] == 3
    by_handle = {s["customer_handle"]: s for s in everything["items"]}
    assert (by_handle["dana"]["score"], by_handle["dana"]["comment"]) == (
        5,
        "thanks, super quick!",
    )
    assert by_handle["lee"]["score"] == 2 and by_handle["kim"]["score"] is None
    assert by_handle["kim"]["status"] == "sent" and by_handle["dana"]["status"] == "answered"
    case_id = by_handle["lee"]["case_id"]
    (one,) = api.get(f"/api/v1/surveys?case_id={case_id}").json()["items"]
    assert one["customer_handle"] == "lee"
    assert api.get("/api/v1/surveys?status=answered").json()["total"] == 2
    assert api.get(f"/api/v1/surveys?brand_id={world.brand_id}&kind=nps").json()["total"] == 0
    author_id = by_handle["dana"]["author_id"]
    assert api.get(f"/api/v1/surveys?author_id={author_id}").json()["total"] == 1
    assert TestClient(api.app).get("/api/v1/surveys").status_code == 401


def test_the_api_filters_by_customer_record(settings: Settings, http: httpx.Client) -> None:
    world = answered_world(settings, http)
    with transaction(world.url) as session:
        customer = create_customer(session, name="Dana Reyes", actor="test")
        link_handle(session, customer, Network.X, "dana", actor="test")
        customer_id = customer.id
    found = login(settings, "ana").get(f"/api/v1/surveys?customer_id={customer_id}").json()
    assert [s["customer_handle"] for s in found["items"]] == ["dana"]


def test_the_summary_gives_response_rate_csat_and_nps(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(kind="nps")
    handles = [("4400000001", "dana"), ("4400000002", "lee"), ("4400000003", "kim")]
    handles += [("4400000004", "ola"), ("4400000005", "pat")]
    for n, (author, handle) in enumerate(handles, start=1):
        world.resolve(world.answered_case(str(n), author=author, handle=handle))
    world.sweep()
    world.send(minutes=1)
    world.post(
        *[
            dm(f"5{n}", score, world.at(3), author=author, handle=handle)
            for n, ((author, handle), score) in enumerate(
                zip(handles, ["10", "9 great", "7", "3 meh"], strict=False)
            )
        ]
    )
    summary = login(settings, "ana").get("/api/v1/surveys/summary").json()
    (brand,) = summary["brands"]
    assert brand["enabled"] is True and brand["kind"] == "nps"
    assert [p["days"] for p in brand["periods"]] == [30, 90]
    month = brand["periods"][0]
    assert (month["sent"], month["answered"], month["response_rate"]) == (5, 4, 80.0)
    assert month["nps"] == {
        "answers": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        "score": 25.0,
    }
    assert month["csat"]["answers"] == 0 and month["csat"]["average"] is None
    week = login(settings, "ana").get("/api/v1/surveys/summary?days=7").json()
    assert [p["days"] for p in week["brands"][0]["periods"]] == [7]


def test_settings_through_the_api(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    with transaction(world.url) as session:
        staff(session, "root", Role.ADMIN)
    root, ana = login(settings, "root"), login(settings, "ana")
    url = f"/api/v1/surveys/settings/{world.brand_id}"
    assert ana.get(url).json()["enabled"] is True
    assert ana.put(url, json={"kind": "nps"}).status_code == 403
    changed = root.put(url, json={"kind": "nps", "every_days": 14})
    assert changed.status_code == 200
    assert (changed.json()["kind"], changed.json()["every_days"]) == ("nps", 14)
    assert root.put(url, json={"kind": "stars"}).status_code == 422
    assert root.put(url, json={"colour": "red"}).status_code == 422
    assert root.get("/api/v1/surveys/settings/999").status_code == 404


def test_other_brands_surveys_stay_hidden(settings: Settings, http: httpx.Client) -> None:
    who = "olga"
    world = answered_world(settings, http)
    with transaction(world.url) as session:
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        acme = world.brand(session)
        team(session, "Other", [other], [staff(session, who)])
        team(session, "Acme", [acme], [])
    api = login(settings, who)
    assert api.get("/api/v1/surveys").json()["total"] == 0
    assert [b["brand"] for b in api.get("/api/v1/surveys/summary").json()["brands"]] == ["Other"]
    assert api.get(f"/api/v1/surveys/summary?brand_id={world.brand_id}").status_code == 404


def test_the_case_page_shows_the_closed_loop(settings: Settings, http: httpx.Client) -> None:
    world = answered_world(settings, http)  # lee answered 2: a low score
    world.send(minutes=5)  # "what could we do better?" goes out, the case reopens
    world.post(dm("52", "the first agent never read my message", world.at(7), **LEE))
    lee = next(r for r in world.responses() if r.score == 2)
    ana = login(settings, "ana")
    page = ana.get(f"/cases/{lee.case_id}").text
    assert 'data-testid="survey-loop"' in page
    assert "took three tries\nthe first agent never read my message" in page
    assert "Reopened" in page and "at high priority after this score" in page
    assert "CSAT 2/5" in page
    listed = ana.get(f"/api/v1/surveys?case_id={lee.case_id}").json()["items"][0]
    assert (listed["loop_action"], listed["question_status"]) == ("reopened", "answered")
    assert "reopened" in ana.get(f"/surveys?brand_id={world.brand_id}").text


def test_a_follow_up_case_links_both_ways(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup(reopen_days=1)
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    world.post(dm("50", "1 useless", world.at(3)))
    world.send(minutes=4, now=world.at(4) + timedelta(days=2))
    (response,) = world.responses()
    assert response.follow_up_case_id is not None
    ana = login(settings, "ana")
    original = ana.get(f"/cases/{case_id}").text
    link = f'href="/cases/{response.follow_up_case_id}" data-testid="survey-follow-up-case"'
    assert link in original
    follow_up = ana.get(f"/cases/{response.follow_up_case_id}")
    assert follow_up.status_code == 200
    assert 'data-testid="survey-follows-up"' in follow_up.text
    assert f'href="/cases/{case_id}">case #{case_id}</a>' in follow_up.text
    assert "CSAT 1/5" in follow_up.text and "useless" in follow_up.text
    inbox = ana.get("/?view=all").text
    assert f"/cases/{response.follow_up_case_id}" in inbox


def test_the_settings_form_asks_both_and_sets_the_loop(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    with transaction(world.url) as session:
        staff(session, "root", Role.ADMIN)
    root = login(settings, "root")
    form = root.get(f"/surveys?brand_id={world.brand_id}").text
    for field in ('name="csat"', 'name="nps"', 'name="follow_up"', 'name="reopen_days"'):
        assert field in form
    saved = root.post(
        "/surveys/settings",
        data={
            "brand_id": str(world.brand_id),
            "enabled": "on",
            "csat": "on",
            "nps": "on",
            "nps_every_days": "60",
            "every_days": "7",
            "answer_days": "7",
            "loop_fields": "1",
            "close_loop": "on",
            "reopen_days": "5",
            "follow_up_text": "What went wrong, {first_name}?",
        },
    )
    assert saved.status_code == 303
    with transaction(world.url) as session:
        brand = session.get(Brand, world.brand_id)
        assert brand is not None
        chosen = survey_settings(brand)
    assert (chosen.kind, chosen.nps_every_days, chosen.reopen_days) == ("both", 60, 5)
    assert (chosen.follow_up, chosen.close_loop) == (False, True)
    assert chosen.follow_up_text == "What went wrong, {first_name}?"
    root.post(
        "/surveys/settings",
        data={"brand_id": str(world.brand_id), "enabled": "on", "loop_fields": "1"},
    )
    assert "ask CSAT, NPS or both" in root.get("/surveys").text
    api = root.get(f"/api/v1/surveys/settings/{world.brand_id}").json()
    assert (api["kind"], api["csat"], api["nps"], api["follow_up"]) == ("both", True, True, False)
