"""form_post: how every admin form reports a change, done or refused, on the next page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.brands.service import create_brand
from atdesk.models import Brand
from atdesk.storage.session import session_factory
from atdesk.ui.forms import form_post, see_other


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    """A session on a fresh migrated SQLite database."""
    with session_factory(sqlite_url)() as session:
        yield session


def _request() -> Request:
    """A request whose cookie session is a plain dict, as SessionMiddleware leaves it."""
    return Request({"type": "http", "session": {}})


def _flashes(request: Request) -> list[dict[str, Any]]:
    return list(request.session.get("flash", []))


def _brand_names(session: Session) -> list[str]:
    return list(session.scalars(select(Brand.name)))


def test_see_other_redirects_with_303() -> None:
    response = see_other("/admin/users#x")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users#x"


def test_a_done_change_flashes_its_message_and_goes_back(session: Session) -> None:
    request = _request()

    def change() -> str:
        create_brand(session, "Acme")
        return "Brand Acme created."

    response = form_post(request, session, change, back="/admin/brands")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/brands"
    assert _flashes(request) == [{"kind": "ok", "text": "Brand Acme created."}]
    assert _brand_names(session) == ["Acme"]


def test_a_done_change_goes_to_done_when_given(session: Session) -> None:
    request = _request()
    response = form_post(request, session, lambda: "ok", back="/list", done="/list?q=x")
    assert response.headers["location"] == "/list?q=x"


def test_a_change_without_message_flashes_nothing(session: Session) -> None:
    request = _request()
    response = form_post(request, session, lambda: None, back="/views")
    assert response.headers["location"] == "/views"
    assert _flashes(request) == []


def test_a_refused_change_is_rolled_back_and_flashed_as_an_error(session: Session) -> None:
    request = _request()

    def change() -> str:
        create_brand(session, "Half done")
        raise ValueError("the second half is wrong")

    response = form_post(
        request, session, change, back="/admin/brands", done="/never", refused=(ValueError,)
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/brands"
    assert _flashes(request) == [{"kind": "error", "text": "the second half is wrong"}]
    assert _brand_names(session) == []


def test_the_refusal_is_put_into_its_wording(session: Session) -> None:
    request = _request()

    def change() -> str:
        raise KeyError("Mon")

    form_post(request, session, change, back="/", refused=(KeyError,), refusal="Not saved: {}")
    assert _flashes(request) == [{"kind": "error", "text": "Not saved: 'Mon'"}]


def test_without_rollback_a_refused_change_keeps_what_it_did(session: Session) -> None:
    request = _request()

    def change() -> str:
        create_brand(session, "Kept")
        raise ValueError("refused after the flush")

    form_post(request, session, change, back="/", rollback=False)
    assert _flashes(request) == [{"kind": "error", "text": "refused after the flush"}]
    assert _brand_names(session) == ["Kept"]


def test_an_exception_not_refused_propagates_without_a_flash(session: Session) -> None:
    request = _request()

    def change() -> str:
        create_brand(session, "Pending")
        raise LookupError("a bug, not a refusal")

    with pytest.raises(LookupError, match="a bug"):
        form_post(request, session, change, back="/", refused=(ValueError,))
    assert _flashes(request) == []
    assert _brand_names(session) == ["Pending"]


def test_only_the_listed_exceptions_are_refusals(session: Session) -> None:
    request = _request()

    def change() -> str:
        raise ValueError("not a policy error")

    with pytest.raises(ValueError, match="not a policy error"):
        form_post(request, session, change, back="/", refused=(KeyError,))
    assert _flashes(request) == []
