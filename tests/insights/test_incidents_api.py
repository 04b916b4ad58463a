"""What people see and call: the REST API's shapes, the pages (list, incident, Make incident
from the inbox, the case page's card, held updates on Approvals), roles, and issues."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from atdesk.cases.service import CaseChange
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.insights.incidents.linking import link_arrivals
from atdesk.insights.incidents.updates import APPROVAL_SETTING
from atdesk.models import AuditEvent, Brand, Incident, IncidentCase, Issue, Post
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.factories import PASSWORD, staff
from tests.insights.incidents import Desk
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import csrf_of


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


@pytest.fixture
def desk(settings: Settings, http: httpx.Client) -> Desk:
    return Desk(settings, http)


def two_cases(desk: Desk) -> tuple[int, int]:
    return (
        desk.mention("1", "login outage", author="4400000001", handle="dana", name="Dana Fox"),
        desk.mention("2", "outage?", author="4400000002", handle="lee", name="Lee Park"),
    )


def test_the_api_makes_reads_updates_and_closes_an_incident(desk: Desk) -> None:
    dana, lee = two_cases(desk)
    sam = login(desk.settings, "sam")
    made = sam.post(
        "/api/v1/incidents",
        json={"case_ids": [dana, lee], "title": "Login outage", "match_terms": ["outage"]},
    )
    assert made.status_code == 201, made.text
    incident = made.json()
    assert incident["title"] == "Login outage" and incident["status"] == "open"
    assert incident["match_terms"] == ["outage"] and incident["case_count"] == 2
    assert {c["case_id"]: c["how"] for c in incident["cases"]} == {dana: "manual", lee: "manual"}
    listed = sam.get("/api/v1/incidents").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == incident["id"]
    assert sam.get("/api/v1/incidents", params={"status": "closed"}).json()["total"] == 0

    posted = sam.post(
        f"/api/v1/incidents/{incident['id']}/updates",
        json={"text": "a fix is rolling out, {first_name}.", "visibility": "private"},
    )
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert body["status"] == "sent" and body["counts"] == {"queued": 2}
    assert sorted(d["text"] for d in body["deliveries"]) == [
        "a fix is rolling out, Dana.",
        "a fix is rolling out, Lee.",
    ]
    assert {d["mode"] for d in body["deliveries"]} == {"private"}
    desk.run_jobs()
    read = sam.get(f"/api/v1/incidents/{incident['id']}").json()
    assert read["updates"][0]["counts"] == {"sent": 2}
    assert all(d["sent_post_id"] for d in read["updates"][0]["deliveries"])

    closed = sam.post(f"/api/v1/incidents/{incident['id']}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["resolved_cases"] == 2
    assert closed.json()["incident"]["status"] == "closed"
    assert sam.post(f"/api/v1/incidents/{incident['id']}/close").status_code == 409
    again = sam.post(f"/api/v1/incidents/{incident['id']}/updates", json={"text": "more"})
    assert again.status_code == 422 and "closed" in again.text


def test_bad_requests_and_agents_are_refused(desk: Desk) -> None:
    dana, lee = two_cases(desk)
    sam, ana = login(desk.settings, "sam"), login(desk.settings, "ana")
    assert sam.post("/api/v1/incidents", json={"title": "x"}).status_code == 422
    both = {"case_ids": [dana], "issue_id": 1, "title": "x"}
    assert sam.post("/api/v1/incidents", json=both).status_code == 422
    long_title = {"case_ids": [dana], "title": "t" * 201}
    assert sam.post("/api/v1/incidents", json=long_title).status_code == 422
    assert (
        sam.post("/api/v1/incidents", json={"case_ids": [99999], "title": "x"}).status_code == 404
    )
    refused = ana.post("/api/v1/incidents", json={"case_ids": [dana], "title": "x"})
    assert refused.status_code == 403 and "supervisors and admins" in refused.text
    made = sam.post("/api/v1/incidents", json={"case_ids": [dana, lee], "title": "x"}).json()
    assert ana.get(f"/api/v1/incidents/{made['id']}").status_code == 200  # agents see
    url = f"/api/v1/incidents/{made['id']}/updates"
    assert ana.post(url, json={"text": "hello"}).status_code == 403
    assert sam.post(url, json={"text": "x" * 2001}).status_code == 422
    assert sam.post(url, json={"text": "hi", "visibility": "loud"}).status_code == 422
    too_long = sam.post(url, json={"text": "y" * 300})
    assert too_long.status_code == 422 and "Too long to send: 300 of 280" in too_long.text
    assert ana.post(f"/api/v1/incidents/{made['id']}/close").status_code == 403
    assert sam.get("/api/v1/incidents/99999").status_code == 404


def test_an_incident_from_an_emerging_issue(desk: Desk) -> None:
    dana, lee = two_cases(desk)
    with transaction(desk.url) as session:
        issue = Issue(
            brand_id=desk.brand_id,
            label="login outage",
            terms=["login", "outage"],
            status="open",
            first_seen=desk.at(0),
            last_seen=desk.at(1),
            post_count=2,
        )
        session.add(issue)
        session.flush()
        session.execute(update(Post).where(Post.case_id.in_([dana, lee])).values(issue_id=issue.id))
        issue_id = issue.id
    sam = login(desk.settings, "sam")
    issue_page = sam.get(f"/insights/issues/{issue_id}").text
    assert 'data-testid="issue-make-incident"' in issue_page
    assert (
        'data-testid="issue-make-incident"'
        not in login(desk.settings, "ana").get(f"/insights/issues/{issue_id}").text
    )
    form = sam.post("/incidents/new", data={"issue_id": str(issue_id)})  # the issue page's button
    assert form.status_code == 200 and 'value="login outage"' in form.text
    assert f'name="issue_id" value="{issue_id}"' in form.text
    made = sam.post("/api/v1/incidents", json={"issue_id": issue_id})
    assert made.status_code == 201, made.text
    incident = made.json()
    assert incident["title"] == "login outage" and incident["issue_id"] == issue_id
    assert incident["match_terms"] == ["login", "outage"]
    assert {c["how"] for c in incident["cases"]} == {"issue"}
    twice = sam.post("/api/v1/incidents", json={"issue_id": issue_id})
    assert twice.status_code == 409 and f"open incident {incident['id']}" in twice.text
    assert sam.post("/api/v1/incidents", json={"issue_id": 99999}).status_code == 404
    # A later case whose post the clustering put into the issue joins without any term.
    kim = desk.mention("3", "nothing works", author="4400000003", handle="kim", minutes=5)
    with transaction(desk.url) as session:
        session.execute(update(Post).where(Post.case_id == kim).values(issue_id=issue_id))
        assert link_arrivals(session, [CaseChange(kim, "opened")]) == 1
        how = session.scalars(select(IncidentCase.how).where(IncidentCase.case_id == kim)).one()
        assert how == "issue"


def test_the_pages_make_show_and_run_an_incident(desk: Desk) -> None:
    dana, lee = two_cases(desk)
    sam, ana = login(desk.settings, "sam"), login(desk.settings, "ana")
    inbox = sam.get("/").text
    assert 'data-testid="make-incident"' in inbox and 'data-testid="nav-incidents"' in inbox
    assert 'data-testid="make-incident"' not in ana.get("/").text
    form = sam.post("/incidents/new", data={"case_ids": [str(dana), str(lee)]})
    assert form.status_code == 200 and f'name="case_ids" value="{dana}"' in form.text
    assert ana.post("/incidents/new", data={"case_ids": [str(dana)]}).status_code == 403
    made = sam.post(
        "/incidents",
        data={"case_ids": [str(dana), str(lee)], "title": "Login outage", "match_terms": "outage"},
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/incidents/")
    page_url = made.headers["location"]
    page = sam.get(page_url).text
    assert "Login outage" in page and 'data-testid="update-form"' in page
    assert f'href="/cases/{dana}"' in page and 'data-testid="close-incident"' in page
    assert 'data-testid="update-form"' not in ana.get(page_url).text  # agents see, not act
    assert "Login outage" in sam.get("/incidents").text
    case_page = ana.get(f"/cases/{dana}").text
    assert 'data-testid="case-incidents"' in case_page and "Login outage" in case_page

    refused = sam.post(f"{page_url}/updates", data={"text": "z" * 300, "visibility": "public"})
    assert refused.status_code == 303
    assert "Too long to send: 300 of 280" in sam.get(page_url).text
    sam.post(f"{page_url}/updates", data={"text": "fix shipped", "visibility": "public"})
    desk.run_jobs()
    page = sam.get(page_url).text
    assert "Hi Dana, fix shipped" in page and page.count('data-testid="delivery-status">sent') == 2
    sam.post(f"{page_url}/close")
    assert desk.case(dana).status == "resolved" and desk.case(lee).status == "resolved"
    assert 'data-testid="incident-status">closed' in sam.get(page_url).text


def test_a_held_update_waits_on_approvals_for_a_second_supervisor(desk: Desk) -> None:
    dana, lee = two_cases(desk)
    with transaction(desk.url) as session:
        brand = session.get(Brand, desk.brand_id)
        assert brand is not None
        brand.settings = {**(brand.settings or {}), APPROVAL_SETTING: True}
    sam, sue = login(desk.settings, "sam"), login(desk.settings, "sue")
    made = sam.post("/api/v1/incidents", json={"case_ids": [dana, lee], "title": "x"}).json()
    held = sam.post(f"/api/v1/incidents/{made['id']}/updates", json={"text": "soon"}).json()
    assert held["status"] == "pending" and held["deliveries"] == []
    approvals = sue.get("/approvals").text
    assert 'data-testid="incident-approvals"' in approvals and "soon" in approvals
    assert sam.post(f"/api/v1/incidents/updates/{held['id']}/approve").status_code == 422
    rejected = sue.post(f"/api/v1/incidents/updates/{held['id']}/reject", json={"note": ""})
    assert rejected.status_code == 422
    approved = sue.post(f"/api/v1/incidents/updates/{held['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "sent" and approved.json()["reviewed_by"] == "sue"
    assert approved.json()["counts"] == {"queued": 2}
    assert sue.post(f"/api/v1/incidents/updates/{held['id']}/approve").status_code == 409
    assert 'data-testid="incident-approvals"' not in sue.get("/approvals").text
    with transaction(desk.url) as session:
        assert session.scalars(select(Incident)).one().status == "open"


def test_admins_turn_the_second_supervisor_on_per_brand(desk: Desk) -> None:
    with transaction(desk.url) as session:
        staff(session, "root", Role.ADMIN)
    root, sam = login(desk.settings, "root"), login(desk.settings, "sam")
    assert 'data-testid="incident-approval-settings"' in root.get("/incidents").text
    assert 'data-testid="incident-approval-settings"' not in sam.get("/incidents").text
    form = {"brand_id": str(desk.brand_id), "approval": "on"}
    assert sam.post("/incidents/settings", data=form).status_code == 403
    assert root.post("/incidents/settings", data=form).status_code == 303
    with transaction(desk.url) as session:
        brand = session.get(Brand, desk.brand_id)
        assert brand is not None and brand.settings[APPROVAL_SETTING] is True
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "brand")
        ).all()
        assert "brand.incident_update_approval" in audited
    root.post("/incidents/settings", data={"brand_id": str(desk.brand_id)})
    with transaction(desk.url) as session:
        brand = session.get(Brand, desk.brand_id)
        assert brand is not None and brand.settings[APPROVAL_SETTING] is False
