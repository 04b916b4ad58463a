"""Sessions live on the server: logout, a password change and disabling a user end them at once,
even for a copy of the cookie; they expire on the app's clock; the cookie is Secure over HTTPS."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

from atdesk.accounts.sessions import ABSOLUTE_LIFETIME, IDLE_LIFETIME
from atdesk.config import Settings
from atdesk.models import LoginSession, User
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from atdesk.web.security import SESSION_COOKIE
from tests.cases.factories import PASSWORD
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import csrf_of, seed

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a different long passphrase"


@dataclass
class Clock:
    """The app's clock in these tests: it moves only when the test says so."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    """The seeded workspace's app on a fixed clock, and a way to log in from a new browser."""

    settings: Settings
    app: FastAPI
    clock: Clock = field(default_factory=Clock)

    def browser(
        self, base_url: str = "http://testserver", headers: dict[str, str] | None = None
    ) -> TestClient:
        """A fresh browser with no cookies."""
        return TestClient(self.app, base_url=base_url, headers=headers, follow_redirects=False)

    def login(
        self, username: str, password: str = PASSWORD, *, user_agent: str = "laptop"
    ) -> TestClient:
        """A browser logged in as this user (its CSRF header set for the API)."""
        client = self.browser(headers={"User-Agent": user_agent})
        token = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
        return client

    def copy_of(self, client: TestClient) -> TestClient:
        """Another machine holding a copy of this browser's session cookie."""
        copy = self.browser()
        copy.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
        return copy

    def user_id(self, username: str) -> int:
        with transaction(self.settings.database_url) as session:
            return session.scalars(select(User.id).where(User.username == username)).one()


@pytest.fixture
def desk(settings: Settings) -> Desk:
    seed(settings)
    app = create_app(settings, outbox=RecordingOutbox())
    clock = Clock()
    app.state.clock = clock
    return Desk(settings, app, clock)


def logged_in(client: TestClient) -> bool:
    """Whether this browser gets the inbox (not the login page) and the API answers it."""
    page = client.get("/")
    api = client.get("/api/v1/cases")
    assert (page.status_code == 200) == (api.status_code == 200), (
        page.status_code,
        api.status_code,
    )
    if page.status_code == 200:
        return True
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert api.status_code == 401
    return False


def form(client: TestClient, path: str, data: dict[str, str]) -> int:
    """Post a page's form with the page's CSRF token; the status."""
    return client.post(
        path, data={**data, "csrf_token": client.headers["X-CSRF-Token"]}
    ).status_code


def test_a_cookie_copied_before_logout_stops_working_at_logout(desk: Desk) -> None:
    ana = desk.login("ana")
    copy = desk.copy_of(ana)
    assert logged_in(copy), "the copy works while the session lives"
    assert form(ana, "/logout", {}) == 303
    assert not logged_in(copy), "logout ends the session on the server, for every copy"
    assert not logged_in(ana)


def test_logging_out_ends_only_that_browser(desk: Desk) -> None:
    laptop, phone = desk.login("ana"), desk.login("ana", user_agent="phone")
    form(laptop, "/logout", {})
    assert logged_in(phone)


def test_changing_my_password_ends_my_other_sessions_but_not_this_one(desk: Desk) -> None:
    laptop, phone = desk.login("ana"), desk.login("ana", user_agent="phone")
    stolen = desk.copy_of(laptop)
    assert form(phone, "/me/password", {"current": PASSWORD, "new": NEW_PASSWORD}) == 303
    assert "Your other sessions are logged out" in phone.get("/me").text
    assert logged_in(phone), "the browser that changed it stays in"
    assert not logged_in(laptop) and not logged_in(stolen)
    assert logged_in(desk.login("ana", NEW_PASSWORD))


def test_an_admin_setting_a_password_ends_every_session_of_that_user(desk: Desk) -> None:
    ana, root = desk.login("ana"), desk.login("root")
    fields = {"role": "agent", "active": "1", "capacity": "8", "password": NEW_PASSWORD}
    assert form(root, f"/admin/users/{desk.user_id('ana')}", fields) == 303
    assert not logged_in(ana)
    assert logged_in(root), "the admin's own session is not the user's"


def test_disabling_a_user_ends_their_sessions_and_enabling_them_does_not_revive_them(
    desk: Desk,
) -> None:
    ana, root = desk.login("ana"), desk.login("root")
    copy = desk.copy_of(ana)
    user_page = f"/admin/users/{desk.user_id('ana')}"
    assert form(root, user_page, {"role": "agent", "active": "", "capacity": "8"}) == 303
    assert not logged_in(ana) and not logged_in(copy)
    assert form(root, user_page, {"role": "agent", "active": "1", "capacity": "8"}) == 303
    assert not logged_in(ana), "a session ended stays ended"
    assert logged_in(desk.login("ana"))


def test_a_session_ends_after_twelve_idle_hours_on_the_apps_clock(desk: Desk) -> None:
    ana = desk.login("ana")
    desk.clock.advance(hours=11, minutes=59)
    assert logged_in(ana), "used within 12 hours, so it slides on"
    desk.clock.advance(hours=11, minutes=59)
    assert logged_in(ana)
    desk.clock.advance(hours=12, minutes=1)
    assert not logged_in(ana), "12 idle hours end it"


def test_a_session_ends_after_seven_days_however_busy(desk: Desk) -> None:
    ana = desk.login("ana")
    while desk.clock.now + timedelta(hours=11) < T0 + ABSOLUTE_LIFETIME:
        desk.clock.advance(hours=11)
        assert logged_in(ana)
    desk.clock.now = T0 + ABSOLUTE_LIFETIME
    assert not logged_in(ana)
    assert IDLE_LIFETIME < ABSOLUTE_LIFETIME


def test_last_seen_is_written_at_most_once_a_minute(desk: Desk) -> None:
    ana = desk.login("ana")

    def last_seen() -> datetime:
        with transaction(desk.settings.database_url) as session:
            return session.scalars(select(LoginSession.last_seen_at)).one()

    desk.clock.advance(seconds=30)
    logged_in(ana)
    assert last_seen() == T0, "no write for a request within the minute"
    desk.clock.advance(seconds=31)
    logged_in(ana)
    assert last_seen() == T0 + timedelta(seconds=61)


def test_the_database_keeps_only_a_hash_of_the_session_id(desk: Desk) -> None:
    ana = desk.login("ana", user_agent="Firefox on the laptop")
    payload = ana.cookies[SESSION_COOKIE].split(".")[0]
    session_id = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
    with transaction(desk.settings.database_url) as session:
        row = session.scalars(select(LoginSession)).one()
        stored = (row.id_hash, row.user_agent, row.address)
    assert session_id not in stored[0] and len(stored[0]) == 64
    assert stored[1:] == ("Firefox on the laptop", "testclient")


def test_a_signed_cookie_naming_a_user_is_no_session(desk: Desk) -> None:
    """Before server-side sessions the cookie said which user; now only a live row counts."""
    forged = desk.browser()
    data = base64.b64encode(json.dumps({"user_id": desk.user_id("root")}).encode())
    signed = TimestampSigner(desk.settings.signing_key).sign(data).decode()
    forged.cookies.set(SESSION_COOKIE, signed)
    assert not logged_in(forged)


def test_my_sessions_are_listed_and_log_out_everywhere_ends_them_all(desk: Desk) -> None:
    laptop, phone = desk.login("ana"), desk.login("ana", user_agent="phone")
    page = phone.get("/me").text
    listed = page[page.index('data-testid="sessions"') :]
    assert "laptop" in listed and "phone" in listed
    this = re.search(r'data-testid="this-session"><td>([^<]*)<', page)
    assert this is not None and this.group(1).strip() == "phone"
    answer = phone.post("/me/sessions/end", data={"csrf_token": phone.headers["X-CSRF-Token"]})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert not logged_in(phone) and not logged_in(laptop)


def _session_cookie_header(client: TestClient) -> str:
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    (cookie,) = [c for c in cookies if c.startswith(SESSION_COOKIE + "=")]
    return cookie.lower()


def test_the_cookie_is_secure_over_https_and_always_httponly_and_lax(desk: Desk) -> None:
    over_https = _session_cookie_header(desk.browser("https://testserver"))
    assert "; secure" in over_https and "httponly" in over_https and "samesite=lax" in over_https
    over_http = _session_cookie_header(desk.browser())
    assert "; secure" not in over_http and "httponly" in over_http and "samesite=lax" in over_http


def test_the_cookie_is_secure_everywhere_when_the_public_url_is_https(settings: Settings) -> None:
    seed(settings)
    app = create_app(replace(settings, public_url="https://desk.example.com"))
    behind_a_proxy = TestClient(app, follow_redirects=False)
    cookie = behind_a_proxy.get("/login").headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE + "=") and "; secure" in cookie
