"""`POST /api/v1/events` (SPEC §7): a JSON array or JSON Lines of posts, 202 with a result per
item in order, one stored post per network id, only the viewer's brands, bounded work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from atdesk.accounts.service import create_token
from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.connectors import push
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import BusMessage
from atdesk.models import Post as PostRow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.prepare import handle_inbound
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.factories import staff, team
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox


@dataclass
class Api:
    settings: Settings
    client: TestClient
    agent: str  # ana: team Acme only
    admin: str

    def push(self, body: Any, token: str | None = None, **headers: str) -> Any:
        """POST a body (a list as JSON, a str or bytes as given) with a token."""
        sent = {"Authorization": f"Bearer {token or self.agent}", **headers}
        if isinstance(body, list):
            return self.client.post("/api/v1/events", json=body, headers=sent)
        return self.client.post("/api/v1/events", content=body, headers=sent)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """Brands Acme (@acmehelp) and Other (@otherhelp); agent ana works on Acme only."""
    with transaction(settings.database_url) as session:
        acme = make_brand(session)
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        ana = staff(session, "ana")
        olga = staff(session, "olga")
        team(session, "Acme", [acme], [ana])
        team(session, "Other", [other], [olga])
        agent = create_token(session, ana, name="push")
        admin = create_token(session, staff(session, "root", Role.ADMIN), name="push")
    with TestClient(create_app(settings, outbox=RecordingOutbox())) as client:
        yield Api(settings, client, agent, admin)


@contextmanager
def changed(api: Api, **settings: Any) -> Iterator[Api]:
    """The same database and tokens behind an app run with other settings."""
    changed = replace(api.settings, **settings)
    with TestClient(create_app(changed, outbox=RecordingOutbox())) as client:
        yield Api(changed, client, api.agent, api.admin)


def post(native_id: str, to: str = "acmehelp", **extra: Any) -> dict[str, Any]:
    """A customer's post in the ingest format."""
    return {
        "network": "x",
        "id": native_id,
        "text": f"@{to} my order is late",
        "created_at": "2026-11-23T14:55:00Z",
        "author": {"id": "4400000001", "handle": "dana", "name": "Dana"},
        **extra,
    }


def drain(settings: Settings) -> None:
    bus = EmbeddedBus(settings.database_url)
    while bus.consume(INBOUND, handle_inbound):
        pass


def stored(settings: Settings) -> list[str]:
    with transaction(settings.database_url) as session:
        return sorted(session.scalars(select(PostRow.native_id)))


def queued(settings: Settings) -> int:
    with transaction(settings.database_url) as session:
        return int(session.scalar(select(func.count()).select_from(BusMessage)) or 0)


def statuses(answer: Any) -> list[tuple[int, str | None, str]]:
    return [(r["index"], r["id"], r["status"]) for r in answer.json()["results"]]


def test_a_json_array_is_accepted_item_by_item_in_order(api: Api) -> None:
    answer = api.push([post("1"), {"network": "x", "id": "2"}, "not a post", post("3")])
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["accepted"], body["invalid"], body["duplicates"]) == (2, 2, 0)
    assert statuses(answer) == [
        (0, "1", "accepted"),
        (1, "2", "invalid"),
        (2, None, "invalid"),
        (3, "3", "accepted"),
    ]
    assert body["results"][1]["error"] == "missing text"
    assert "expected a JSON object" in body["results"][2]["error"]
    drain(api.settings)
    assert stored(api.settings) == ["1", "3"]


def test_json_lines_with_a_bad_line_and_sniffed_without_a_content_type(api: Api) -> None:
    lines = "\n".join([json.dumps(post("1")), "{not json", "", json.dumps(post("2"))]) + "\n"
    answer = api.push(lines, **{"Content-Type": "application/x-ndjson"})
    assert answer.status_code == 202, answer.text
    assert statuses(answer) == [(0, "1", "accepted"), (1, None, "invalid"), (2, "2", "accepted")]
    assert answer.json()["results"][1]["error"].startswith("line 2 is not valid JSON")
    sniffed = api.push(json.dumps(post("3")).encode())  # no Content-Type: JSON Lines by its '{'
    assert sniffed.status_code == 202 and statuses(sniffed) == [(0, "3", "accepted")]
    drain(api.settings)
    assert stored(api.settings) == ["1", "2", "3"]


def test_the_same_id_twice_stores_one_post(api: Api) -> None:
    first = api.push([post("7"), post("7")])
    assert statuses(first) == [(0, "7", "accepted"), (1, "7", "duplicate")]
    drain(api.settings)
    again = api.push([post("7"), post("8")])
    assert statuses(again) == [(0, "7", "duplicate"), (1, "8", "accepted")]
    drain(api.settings)
    assert stored(api.settings) == ["7", "8"]


def test_another_brands_post_is_forbidden_and_never_queued(api: Api) -> None:
    mixed = api.push([post("1"), post("2", to="otherhelp"), post("3", to="nobody")])
    assert mixed.status_code == 202
    assert statuses(mixed) == [(0, "1", "accepted"), (1, "2", "forbidden"), (2, "3", "forbidden")]
    assert "none of your brands" in mixed.json()["results"][1]["error"]
    only_other = api.push([post("4", to="otherhelp")])
    assert only_other.status_code == 403
    drain(api.settings)
    assert stored(api.settings) == ["1"]
    # An admin sees every brand: Other's post goes in (and one to no brand, kept unassigned).
    admin = api.push([post("2", to="otherhelp"), post("3", to="nobody")], token=api.admin)
    assert statuses(admin) == [(0, "2", "accepted"), (1, "3", "accepted")]


def test_without_a_token_nothing_is_read(api: Api) -> None:
    answer = api.client.post("/api/v1/events", json=[post("1")])
    assert answer.status_code == 401
    wrong = api.client.post(
        "/api/v1/events", json=[post("1")], headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    assert queued(api.settings) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"", "application/json", 400, "the body is empty"),
        (b'[{"id": 1}', "application/json", 400, "not valid JSON"),
        (b"hello", None, 400, "expected a JSON array"),
        (b'"a string"', "application/json", 400, "expected a JSON array"),
        (b"[\xff]", "application/json", 400, "not UTF-8"),
        (b"[]", "text/csv", 415, "Content-Type text/csv"),
    ],
)
def test_a_malformed_body_is_refused_whole(
    api: Api, body: bytes, content_type: str | None, status: int, words: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = api.push(body, **headers)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert queued(api.settings) == 0


def test_more_items_than_the_cap_is_413(api: Api) -> None:
    with changed(api, events_max_items=2) as small:
        answer = small.push([post("1"), post("2"), post("3")])
        assert answer.status_code == 413
        assert "at most 2 are taken: split the batch" in answer.json()["detail"]
        lines = "\n".join(json.dumps(post(str(n))) for n in range(3))
        assert small.push(lines).status_code == 413
        assert small.push([post("1"), post("2")]).status_code == 202
    assert queued(api.settings) == 2  # only the request within the cap was queued


def test_a_full_inbound_queue_answers_429_with_retry_after(api: Api) -> None:
    with changed(api, events_queue_bound=2) as bounded:
        assert bounded.push([post("1"), post("2"), post("3")]).status_code == 202  # 0 waiting
        answer = bounded.push([post("4")])
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == str(push.RETRY_AFTER_S)
        assert "3 posts are waiting" in answer.json()["detail"]
        assert queued(api.settings) == 3  # the refused post was not queued
        drain(api.settings)
        assert bounded.push([post("4")]).status_code == 202


def pushed_counts() -> dict[str, float]:
    """This process's events-API counters: per item result, and requests refused per status."""
    items = {
        result: REGISTRY.get_sample_value("atdesk_pushed_items_total", {"result": result}) or 0.0
        for result in ("accepted", "duplicate", "invalid", "forbidden")
    }
    refused = {
        status: REGISTRY.get_sample_value("atdesk_pushed_refused_total", {"status": status}) or 0.0
        for status in ("400", "403", "415", "429")
    }
    return items | refused


def test_results_and_refusals_are_counted_for_metrics(api: Api) -> None:
    before = pushed_counts()
    api.push([post("1"), post("1"), {"network": "x"}, post("2", to="otherhelp")])
    api.push([post("3", to="otherhelp")])  # every item forbidden: 403
    api.push(b'"a string"', **{"Content-Type": "application/json"})
    api.push(b"[]", **{"Content-Type": "text/csv"})
    with changed(api, events_queue_bound=0) as full:  # the accepted post waits: full
        assert full.push([post("4")]).status_code == 429
    after = pushed_counts()
    assert {k: after[k] - before[k] for k in after} == {
        "accepted": 1,
        "duplicate": 1,
        "invalid": 1,
        "forbidden": 1,  # the 403's item is not counted as a result: its request was refused
        "400": 1,
        "403": 1,
        "415": 1,
        "429": 1,
    }


def test_the_route_is_in_the_openapi_document(api: Api) -> None:
    spec = api.client.get("/openapi.json", headers={"Authorization": f"Bearer {api.agent}"}).json()
    route = spec["paths"]["/api/v1/events"]["post"]
    assert "202" in route["responses"] and "429" in route["responses"]
    assert "application/x-ndjson" in route["requestBody"]["content"]
