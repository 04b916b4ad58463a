"""A brand's listening settings through the admin form and the API (ADR 88): validated with
a clear reason, audited like the brand's other rules, and behind the brand walls."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import AuditEvent, Brand
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.cases.factories import PASSWORD, staff, team
from tests.factories import post, run
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


def world(settings: Settings) -> tuple[int, int]:
    """Brands Acme and Other; root is an admin, olga works only on Other."""
    with transaction(settings.database_url) as session:
        acme = create_brand(session, "Acme", [(Network.X, "acmehelp", "1200000000")])
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        staff(session, "root", Role.ADMIN)
        team(session, "Other", [other], [staff(session, "olga")])
        team(session, "Acme", [acme], [])
        return acme.id, other.id


def brand_settings(settings: Settings, brand_id: int) -> dict[str, object]:
    with transaction(settings.database_url) as session:
        brand = session.get(Brand, brand_id)
        assert brand is not None
        return dict(brand.settings or {})


def test_the_api_saves_validates_and_audits_listening(settings: Settings) -> None:
    acme, _ = world(settings)
    root = login(settings, "root")
    url = f"/api/v1/brands/{acme}/listening"
    assert root.get(url).json() == {
        "brand_id": acme,
        "terms": [],
        "exclusions": [],
        "executives": [],
        "brand_threads": False,
    }
    saved = root.put(
        url,
        json={
            "terms": ["Acme", '"Acme Router"', "#AcmeFail"],
            "exclusions": ["#looneytunes"],
            "executives": ["@Acme_CEO"],
            "brand_threads": True,
        },
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["terms"] == ["acme", '"acme router"', "#acmefail"]
    assert saved.json()["executives"] == ["acme_ceo"]
    stored = brand_settings(settings, acme)
    assert stored["watched_handles"] == ["acme_ceo"], "executives are the watched handles"
    assert stored["listening"] == {
        "terms": ["acme", '"acme router"', "#acmefail"],
        "exclusions": ["#looneytunes"],
        "brand_threads": True,
    }
    only_threads = root.put(url, json={"brand_threads": False})
    assert only_threads.json()["terms"] == ["acme", '"acme router"', "#acmefail"]

    refused = root.put(url, json={"terms": ["late delivery"]})
    assert refused.status_code == 422 and "double quotes" in refused.json()["detail"]
    assert root.put(url, json={"terms": ["x" * 61]}).status_code == 422
    assert root.put(url, json={"colour": "red"}).status_code == 422
    assert root.put(url, json={"terms": [f"t{i}" for i in range(51)]}).status_code == 422
    assert root.get("/api/v1/brands/999/listening").status_code == 404
    with transaction(settings.database_url) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "brand.listening")
        ).all()
    assert actions == ["brand.listening", "brand.listening"], "refusals change nothing"


def test_listening_stays_behind_the_brand_walls(settings: Settings) -> None:
    acme, other = world(settings)
    olga = login(settings, "olga")
    assert olga.get(f"/api/v1/brands/{acme}/listening").status_code == 404
    assert olga.get(f"/api/v1/brands/{other}/listening").status_code == 200
    assert olga.put(f"/api/v1/brands/{other}/listening", json={"terms": ["x"]}).status_code == 403
    assert olga.put(f"/api/v1/brands/{acme}/listening", json={"terms": ["x"]}).status_code == 403
    assert brand_settings(settings, other).get("listening") is None
    form = olga.post(f"/admin/brands/{other}/listening", data={"terms": "x"})
    assert form.status_code == 403


def test_the_brand_form_saves_listening_and_says_why_it_refuses(settings: Settings) -> None:
    acme, _ = world(settings)
    root = login(settings, "root")
    page = root.get("/admin/brands").text
    assert f'action="/admin/brands/{acme}/listening"' in page
    saved = root.post(
        f"/admin/brands/{acme}/listening",
        data={
            "terms": 'acme, "acme  router"\n#acmefail',
            "exclusions": "#looneytunes",
            "executives": "acme_ceo, @cfo",
            "brand_threads": "1",
        },
    )
    assert saved.status_code == 303
    stored = brand_settings(settings, acme)
    assert stored["listening"] == {
        "terms": ["acme", '"acme router"', "#acmefail"],
        "exclusions": ["#looneytunes"],
        "brand_threads": True,
    }
    assert stored["watched_handles"] == ["acme_ceo", "cfo"]
    shown = root.get(saved.headers["location"]).text
    assert "Saved what Acme listens for." in shown and "#looneytunes" in shown
    refused = root.post(f"/admin/brands/{acme}/listening", data={"terms": "late delivery"})
    assert refused.status_code == 303
    said = root.get(refused.headers["location"]).text
    assert "Not saved" in said and "double quotes" in said
    assert brand_settings(settings, acme)["listening"] == stored["listening"]


def test_heard_posts_are_listed_by_how_they_were_heard(settings: Settings) -> None:
    acme, _ = world(settings)
    with transaction(settings.database_url) as session:
        brand = session.get(Brand, acme)
        assert brand is not None
        brand.settings = {"listening": {"terms": ["acme"]}}
        session.flush()
        run(
            session,
            post("1", "thank you acme, lovely service"),
            post("2", "@acmehelp my bill is wrong", author="7", handle="lee"),
        )
    root = login(settings, "root")
    heard = root.get("/api/v1/posts", params={"heard_as": "term"}).json()
    assert [(p["native_id"], p["heard_as"], p["listen_only"]) for p in heard["items"]] == [
        ("1", "term", True)
    ]
    mentions = root.get("/api/v1/posts", params={"heard_as": "mention"}).json()["items"]
    assert [p["native_id"] for p in mentions] == ["2"]
    assert root.get("/api/v1/posts", params={"heard_as": "rumour"}).status_code == 422


def test_a_caseless_mention_is_seen_by_its_brands_agents_and_no_one_elses(
    settings: Settings,
) -> None:
    acme, other = world(settings)
    with transaction(settings.database_url) as session:
        for brand_id, term in ((acme, "acme"), (other, "othercorp")):
            brand = session.get(Brand, brand_id)
            assert brand is not None
            brand.settings = {"listening": {"terms": [term]}}
        acme_brand = session.get(Brand, acme)
        assert acme_brand is not None
        team(session, "Acme care", [acme_brand], [staff(session, "ada")])
        session.flush()
        run(
            session,
            post("1", "thank you acme, lovely service"),
            post("2", "othercorp is the best, thanks", author="8", handle="kim"),
        )
    ada = login(settings, "ada").get("/api/v1/posts").json()
    assert [(p["native_id"], p["listen_only"]) for p in ada["items"]] == [("1", True)]
    olga = login(settings, "olga").get("/api/v1/posts").json()
    assert [p["native_id"] for p in olga["items"]] == ["2"]
