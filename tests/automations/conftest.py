"""Fixtures for automation tests: an HTTP pool, a recording outbox, and the app with a brand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from atdesk.accounts.service import create_token
from atdesk.automations.appointments.service import book, save_resource
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.storage.session import transaction
from atdesk.ui.deps import request_time
from atdesk.web.app import create_app
from tests.automations.helpers import NOW, automate, post
from tests.cases.factories import PASSWORD, staff
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import csrf_of

HOURS = {str(d): [["08:00", "12:00"], ["13:00", "17:00"]] for d in range(5)}


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One connection pool for the session."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def outbox() -> RecordingOutbox:
    """Collects what would be sent, with network ids, and no network."""
    return RecordingOutbox()


@dataclass
class Site:
    settings: Settings
    login: Callable[[str], TestClient]
    anonymous: TestClient
    token: str


@pytest.fixture
def site(settings: Settings) -> Site:
    """Acme with a booked visit for Dana, two callback requests, admin root and agent ana."""
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        staff(session, "root", Role.ADMIN, display_name="Root")
        ana = staff(session, "ana", display_name="Ana")
        token = create_token(session, ana, name="test")
        dana = create_customer(session, name="Dana Reyes", phone="+1 415 555 0142", actor="t")
        link_handle(session, dana, Network.X, "dana", actor="t")
        sam = save_resource(session, brand, name="Sam", hours=HOURS, kinds=["repair"], actor="t")
        book(
            session,
            brand=brand,
            customer=dana,
            resource=sam,
            kind="repair",
            start=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
            end=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
            actor="t",
        )
        automate(
            session,
            settings,
            post("1", "@acmehelp please call me tomorrow after 5"),
            post("2", "@acmehelp call me back please", handle="sam_q", author="9", name="Sam Q"),
        )
    app = create_app(settings, outbox=RecordingOutbox())
    app.dependency_overrides[request_time] = lambda: NOW  # links and feeds at the posts' clock

    def login(username: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        csrf = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf, "next": "/"},
        )
        assert answer.status_code == 303, answer.text
        client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
        return client

    return Site(settings, login, TestClient(app, follow_redirects=False), token)
