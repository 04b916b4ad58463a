"""The login warns before it locks: tries left when few remain, then how long the lock lasts;
the same words for a username that does not exist. Time comes from an injected clock."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from atdesk.accounts.lockout import LockoutLimiter, LoginLimits
from atdesk.config import Settings
from atdesk.web.app import create_app
from tests.cases.factories import PASSWORD
from tests.clocks import SecondsClock
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import seed

WRONG = "Wrong username or password."
MINUTE = 60.0


@dataclass
class LoginPage:
    """One browser's login form against an app whose lockout runs on the fake clock."""

    client: TestClient
    clock: SecondsClock

    def attempt(self, username: str, password: str) -> tuple[int, str]:
        """Post the form; the status and the message the page shows (empty when none)."""
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/login").text)
        assert token
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
        )
        shown = re.search(r'data-testid="login-error">([^<]*)<', response.text)
        return response.status_code, html.unescape(shown.group(1)) if shown else ""


def login_page(settings: Settings, limits: LoginLimits, clock: SecondsClock) -> LoginPage:
    """The seeded workspace's app with these limits."""
    app = create_app(settings, outbox=RecordingOutbox())
    app.state.login_limits = limits
    return LoginPage(TestClient(app, follow_redirects=False), clock)


@pytest.fixture
def page(settings: Settings) -> LoginPage:
    """The default limits (5 per login, 30 per address, 15 minutes) on a fake clock."""
    seed(settings)
    clock = SecondsClock()
    return login_page(settings, LoginLimits.default(clock=clock), clock)


def test_wrong_passwords_warn_before_the_lock_then_say_how_long_it_lasts(page: LoginPage) -> None:
    answers = [page.attempt("ana", "not it") for _ in range(5)]
    assert answers == [
        (401, WRONG),
        (401, WRONG),
        (401, f"{WRONG} 2 tries left before this login is locked for 15 minutes."),
        (401, f"{WRONG} 1 try left before this login is locked for 15 minutes."),
        (401, f"{WRONG} Too many tries: this login is locked for 15 minutes."),
    ]
    assert page.attempt("ana", PASSWORD) == (
        429,
        "Too many wrong passwords: this login is locked. Try again in 15 minutes.",
    ), "even the right password waits"
    page.clock.advance(5 * MINUTE + 20)
    assert page.attempt("ana", PASSWORD)[1].endswith("Try again in 10 minutes.")
    page.clock.advance(9 * MINUTE + 10)
    assert page.attempt("ana", PASSWORD)[1].endswith("Try again in 30 seconds.")
    page.clock.advance(30)
    assert page.attempt("ana", PASSWORD) == (303, ""), "the lock is over"


def test_the_lock_answer_carries_retry_after(page: LoginPage) -> None:
    for _ in range(5):
        page.attempt("ana", "not it")
    page.clock.advance(MINUTE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.client.get("/login").text)
    assert token
    locked = page.client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert locked.status_code == 429 and locked.headers["retry-after"] == "840"
    assert 'value="ana"' in locked.text, "the username stays in the form"


def test_an_unknown_username_reads_exactly_like_a_wrong_password(page: LoginPage) -> None:
    known = [page.attempt("ana", "not it") for _ in range(6)]
    unknown = [page.attempt("nobody-here", "not it") for _ in range(6)]
    assert unknown == known
    assert known[-1][0] == 429


def test_old_failures_are_forgotten_and_a_right_password_clears_the_count(
    page: LoginPage,
) -> None:
    for _ in range(4):
        page.attempt("ana", "not it")
    page.clock.advance(15 * MINUTE + 1)
    assert page.attempt("ana", "not it") == (401, WRONG), "a new window: 4 tries left"
    for _ in range(2):
        page.attempt("ana", "not it")
    assert page.attempt("ana", PASSWORD)[0] == 303
    page.client.cookies.clear()
    assert page.attempt("ana", "not it") == (401, WRONG), "counting starts again"


def test_one_address_trying_many_usernames_is_locked_as_an_address(settings: Settings) -> None:
    seed(settings)
    clock = SecondsClock()
    limits = LoginLimits(
        LockoutLimiter(limit=5, window_s=900, lockout_s=900, clock=clock),
        LockoutLimiter(limit=4, window_s=900, lockout_s=600, clock=clock),
    )
    page = login_page(settings, limits, clock)
    answers = [page.attempt(name, "guess") for name in ("ana", "sam", "olga", "root")]
    assert answers[0] == (401, WRONG), "4 tries left for this address"
    assert answers[1] == (
        401,
        f"{WRONG} 2 tries left before logging in from this address is locked for 10 minutes.",
    )
    assert answers[2] == (
        401,
        f"{WRONG} 1 try left before logging in from this address is locked for 10 minutes.",
    )
    assert answers[3] == (
        401,
        f"{WRONG} Too many tries: logging in from this address is locked for 10 minutes.",
    )
    assert page.attempt("ana", PASSWORD) == (
        429,
        "Too many wrong passwords: logging in from this address is locked. "
        "Try again in 10 minutes.",
    )
    clock.advance(10 * MINUTE)
    assert page.attempt("ana", PASSWORD)[0] == 303


def test_the_limiter_counts_on_its_own_clock() -> None:
    clock = SecondsClock()
    limiter = LockoutLimiter(limit=3, window_s=60, lockout_s=120, clock=clock)
    assert limiter.standing("k").tries_left == 3
    assert limiter.failed("k").tries_left == 2
    clock.advance(61)
    assert limiter.standing("k").tries_left == 3, "the window slid past the failure"
    limiter.failed("k")
    limiter.failed("k")
    locked = limiter.failed("k")
    assert locked.locked and locked.locked_for_s == 120 and locked.tries_left == 0
    assert limiter.standing("other").tries_left == 3, "keys are apart"
    clock.advance(119)
    assert limiter.standing("k").locked_for_s == 1
    clock.advance(1)
    assert limiter.standing("k") == limiter.standing("never-seen")
    limiter.failed("k")
    limiter.reset("k")
    assert limiter.standing("k").tries_left == 3
