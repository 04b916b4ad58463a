"""Regression tests for what the schemathesis run found: numbers and text a column cannot hold.

PostgreSQL's id columns, LIMIT and OFFSET are 32-bit INTEGERs, so 2**31 answered 500 there
(SQLite, 64-bit, took it); a NUL answered 500 from any text column on PostgreSQL; a lone
surrogate cannot be encoded for either database. Each is now a 404 or a 422 on both.
"""

from __future__ import annotations

import pytest

from atdesk.domain.ids import MAX_ID
from atdesk.web.storable_text import NUL_REFUSED, SURROGATE_REFUSED
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)

pytestmark = pytest.mark.hostile

PAST_INTEGER = 2**31


def test_an_id_past_postgres_integer_is_not_found(workspace: Workspace) -> None:  # noqa: F811
    root = workspace.login("root")
    assert MAX_ID == PAST_INTEGER - 1
    for path in (
        f"/api/v1/cases/{PAST_INTEGER}",
        f"/api/v1/customers/{PAST_INTEGER}",
        f"/api/v1/callbacks/{PAST_INTEGER}",
        f"/cases/{PAST_INTEGER}",
    ):
        assert root.get(path).status_code == 404, path
    assert root.get(f"/api/v1/cases/{MAX_ID}").status_code == 404
    for params in ({"offset": PAST_INTEGER}, {"case_id": PAST_INTEGER}):
        assert root.get("/api/v1/posts", params=params).status_code == 422, params
    assert root.get("/api/v1/cases", params={"offset": MAX_ID}).json()["items"] == []
    assert root.get("/", params={"page": "99999999"}).status_code == 200


def test_text_no_column_can_hold_is_refused_with_422(workspace: Workspace) -> None:  # noqa: F811
    root = workspace.login("root")
    nul = root.post("/api/v1/saved-views", json={"name": "late\u0000"})
    assert nul.status_code == 422 and nul.json()["detail"] == NUL_REFUSED
    surrogate = root.post(
        "/api/v1/saved-views",
        content=b'{"name": "late \\ud800"}',
        headers={"content-type": "application/json"},
    )
    assert surrogate.status_code == 422 and surrogate.json()["detail"] == SURROGATE_REFUSED
    assert root.get("/api/v1/cases", params={"q": "refund\x00"}).status_code == 422
    assert root.get("/api/v1/customers", params={"q": "dana\x00"}).status_code == 422
    page = root.post("/me/password", data={"current": "x\x00", "new": "y", "confirm": "y"})
    assert page.status_code == 422
    escaped = root.post("/api/v1/saved-views", json={"name": "a \\u0000 b"})
    assert escaped.status_code == 201, "a backslash followed by u0000 is text, not a NUL"
    assert root.get("/api/v1/saved-views").json()[-1]["name"] == "a \\u0000 b"


def test_bodies_in_a_wrong_encoding_are_refused_not_crashed(
    workspace: Workspace,  # noqa: F811 (fixture)
) -> None:
    root = workspace.login("root")
    latin1 = root.post(
        "/api/v1/saved-views",
        content='{"name": "café"}'.encode("latin-1"),
        headers={"content-type": "application/json"},
    )
    assert latin1.status_code in (400, 422)
    utf16 = root.post(
        "/api/v1/saved-views",
        content='{"name": "late"}'.encode("utf-16"),
        headers={"content-type": "application/json"},
    )
    assert utf16.status_code == 201 and utf16.json()["name"] == "late", "JSON's UTF-16 is read"
    utf16_nul = root.post(
        "/api/v1/saved-views",
        content='{"name": "late\\u0000"}'.encode("utf-16"),
        headers={"content-type": "application/json"},
    )
    assert utf16_nul.status_code == 422 and utf16_nul.json()["detail"] == NUL_REFUSED
    form = root.post(
        "/me/password",
        content=b"current=caf%E9&new=x&confirm=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code < 500
    assert (
        root.get("/api/v1/customers", params={"q": b"caf\xe9".decode("latin-1")}).status_code == 200
    )
