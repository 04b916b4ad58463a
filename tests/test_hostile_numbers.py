"""Issue 10, point 6: a number no row can have, a negative or a word never answers 5xx.

The walk visits every route of the app, as an admin (who reaches every handler) and as an
agent (whose brand checks run queries of their own), and puts a hostile value in each id of the
path, in each query parameter (declared or read by hand, like `page` and `q`), in each form
field and in each integer of a JSON body. It runs on SQLite (where Python's big integers raise
OverflowError) and on PostgreSQL (where they raise DataError).
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from atdesk.config import Settings
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.routewalk import Route, is_int, routes
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)

TWENTY_DIGITS = "99999999999999999999"
HOSTILE = (TWENTY_DIGITS, "-1", "abc")
# Query keys pages read by hand from the query string, besides the declared ones.
LOOSE_QUERY_KEYS = (
    "q",
    "page",
    "brand_id",
    "offset",
    "limit",
    "case_id",
    "view",
    "status",
    "saved",
    "kind",
    "mode",
    "replay",
)
# Form fields pages read by hand (PageForm), besides the declared ones.
LOOSE_FORM_KEYS = (
    "brand_id",
    "rule_id",
    "macro_id",
    "team_id",
    "user_id",
    "assignee_id",
    "view_id",
    "case_id",
    "position",
    "limit",
    "capacity",
    "reply_to_post_id",
    "article_id",
    "resource_id",
    "high_reach_followers",
    "automated_per_hour",
    "normal_first",
    "normal_next",
    "normal_resolution",
)
# The live stream runs for minutes when its arguments are good; only bad ones are sent.
STREAMS = frozenset({"/live"})


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The workspace's settings with an X app secret, so the X webhook answers (not 503)."""
    return replace(settings, x_consumer_secret="test-consumer-secret")


def _app(client: TestClient) -> FastAPI:
    app = client.app
    assert isinstance(app, FastAPI)
    return app


def _path_values(route: Route, hostile: str) -> dict[str, object]:
    """Hostile values in the integer slots of the path, something plausible in the others."""
    plausible = {"network": "x", "kind": "callbacks", "token": "abc"}
    return {
        name: hostile if is_int(annotation) else plausible.get(name, "x")
        for name, annotation in route.path_params.items()
    }


def _fill(annotation: Any, hostile: int) -> Any:
    """A JSON value of this type: the hostile number for integers, something valid otherwise."""
    if is_int(annotation):
        return hostile
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return _fill(args[0], hostile)
    if origin is list:
        return [_fill(args[0], hostile)] if args else []
    if origin is dict:
        return {}
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _body(annotation, hostile)
        if issubclass(annotation, enum.Enum):
            return next(iter(annotation)).value
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, float):
            return 1.0
        if issubclass(annotation, datetime):
            return "2026-03-02T09:00:00+00:00"
    return "x"


def _body(model: type[BaseModel], hostile: int) -> dict[str, Any]:
    """A body for this model: every integer field hostile, the other required fields valid."""
    body: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if is_int(field.annotation) or field.is_required():
            body[key] = _fill(field.annotation, hostile)
    return body


def _json_body(route: Route, hostile: int) -> Any:
    """The JSON body a route reads, with hostile integers (one model, or one plain value)."""
    if len(route.json_params) == 1:
        (annotation,) = route.json_params.values()
        return _fill(annotation, hostile)
    return {name: _fill(annotation, hostile) for name, annotation in route.json_params.items()}


class Walk:
    """A client that never raises on a server error and notes every 5xx it met.

    Some routes end the session (log out, end sessions, a new password); the walk logs in
    again when it finds itself logged out, and sends that request once more.
    """

    def __init__(self, seeded: Workspace, username: str) -> None:
        self.seeded = seeded
        self.username = username
        self.client = self._login()
        self.failures: list[str] = []

    def _login(self) -> TestClient:
        logged_in = self.seeded.login(self.username)
        client = TestClient(logged_in.app, follow_redirects=False, raise_server_exceptions=False)
        client.cookies = logged_in.cookies
        client.headers["X-CSRF-Token"] = logged_in.headers["X-CSRF-Token"]
        return client

    def __call__(self, method: str, url: str, **kwargs: Any) -> int:
        """Send one request; note it when the answer is 5xx."""
        response = self.client.request(method, url, **kwargs)
        if response.status_code == 401 or "/login" in response.headers.get("location", ""):
            self.client = self._login()
            response = self.client.request(method, url, **kwargs)
        status: int = response.status_code
        if status >= 500:
            self.failures.append(f"{status} {method} {url} {kwargs}")
        return status


def _walk_path(walk: Walk, route: Route) -> None:
    """Hostile ids in the path: pages and reads try every kind, writes the 20 digits."""
    if not any(is_int(a) for a in route.path_params.values()):
        return
    for hostile in HOSTILE if not route.writes else (TWENTY_DIGITS,):
        status = walk(route.method, route.url(_path_values(route, hostile)))
        if _only_path_is_bad(route) and status != 404:
            walk.failures.append(f"{status} (not 404) {route} with {hostile} in the path")


def _walk_route(walk: Walk, route: Route) -> None:
    """Every hostile value in every slot of one route.

    A declared integer is sent alone (its 422 would hide the others); everything read by
    hand goes in one request, since each must be survived anyway.
    """
    _walk_path(walk, route)
    good_path = route.url(_path_values(route, "1"))
    declared = [key for key, annotation in route.query_params.items() if is_int(annotation)]
    for key in declared:
        for hostile in HOSTILE if key in ("brand_id", "case_id") else (TWENTY_DIGITS,):
            walk(route.method, good_path, params={key: hostile})
    if route.path in STREAMS:
        return
    if not route.writes:
        loose = [k for k in (*route.query_params, *LOOSE_QUERY_KEYS) if k not in declared]
        walk(route.method, good_path, params=dict.fromkeys(loose, TWENTY_DIGITS))
    elif not route.json_params:
        form = dict.fromkeys((*route.form_params, *LOOSE_FORM_KEYS), TWENTY_DIGITS)
        walk(route.method, good_path, data=form)
    for number in (int(TWENTY_DIGITS), -1) if route.json_params else ():
        walk(route.method, good_path, json=_json_body(route, number))


@pytest.mark.parametrize("username", ["root", "ana"])
def test_no_hostile_number_anywhere_answers_5xx(
    workspace: Workspace,  # noqa: F811 (fixture)
    username: str,
) -> None:
    walk = Walk(workspace, username)
    walked = list(routes(_app(walk.client)))
    assert len(walked) > 100, "the walk finds the app's routes"
    for route in walked:
        _walk_route(walk, route)
    assert not walk.failures, "\n".join(walk.failures)


def _only_path_is_bad(route: Route) -> bool:
    """The route needs nothing besides its path (so a bad id alone decides: 404)."""
    return route.method == "GET" and not route.required


def test_a_path_id_that_cannot_exist_is_not_found(
    workspace: Workspace,  # noqa: F811 (fixture)
) -> None:
    ana = workspace.login("ana")
    for path in (
        f"/api/v1/cases/{TWENTY_DIGITS}",
        "/api/v1/cases/-1",
        "/api/v1/cases/abc",
        f"/api/v1/customers/{TWENTY_DIGITS}",
        f"/cases/{TWENTY_DIGITS}",
    ):
        assert ana.get(path).status_code == 404, path
    bad_query = ana.get("/api/v1/cases", params={"brand_id": TWENTY_DIGITS})
    assert bad_query.status_code == 422 and bad_query.json()["detail"][0]["loc"] == [
        "query",
        "brand_id",
    ]
    assert ana.get("/api/v1/cases", params={"offset": TWENTY_DIGITS}).status_code == 422
    assert ana.get("/", params={"page": TWENTY_DIGITS}).status_code == 200
    assert ana.get("/", params={"q": TWENTY_DIGITS}).status_code == 200
