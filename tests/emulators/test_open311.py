"""The Open311 emulator speaks GeoReport v2: schema-valid bodies, documented errors, controls."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from atdesk.emulators.open311 import Open311Emulator

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def emulator() -> Iterator[Open311Emulator]:
    with Open311Emulator() as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture(scope="module")
def schemas(data_dir: Path) -> dict[str, Draft7Validator]:
    folder = data_dir / "open311-georeport-v2"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found; set ATDESK_DATA_DIR to validate against the schemas")
    loaded = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(body, default_specification=_draft7()))
        for name, body in loaded.items()
    )
    return {
        name: Draft7Validator(loaded[name], registry=registry)
        for name in ("services.json", "service-definition.json", "requests.json")
    }


def _draft7() -> Any:
    from referencing.jsonschema import DRAFT7

    return DRAFT7


def _post(
    http: httpx.Client, emulator: Open311Emulator, fields: dict[str, str], fmt: str = "json"
) -> httpx.Response:
    return http.post(f"{emulator.endpoint}/requests.{fmt}", data=fields)


def _tree(emulator: Open311Emulator, **extra: str) -> dict[str, str]:
    return {
        "api_key": emulator.api_key,
        "service_code": "TREE",
        "lat": "40.7128",
        "long": "-74.006",
        "description": "Downed tree blocking Main Street",
        "media_url": "https://example.org/tree.jpg",
        **extra,
    }


@pytest.mark.data
def test_services_match_the_published_schema(
    emulator: Open311Emulator, http: httpx.Client, schemas: dict[str, Draft7Validator]
) -> None:
    body = http.get(f"{emulator.endpoint}/services.json").json()
    schemas["services.json"].validate(body)
    for code in ("TREE", "STREETLIGHT"):
        definition = http.get(f"{emulator.endpoint}/services/{code}.json").json()
        schemas["service-definition.json"].validate(definition)


@pytest.mark.data
def test_requests_match_the_published_schema(
    emulator: Open311Emulator, http: httpx.Client, schemas: dict[str, Draft7Validator]
) -> None:
    created = _post(http, emulator, _tree(emulator)).json()
    request_id = created[0]["service_request_id"]
    emulator.close_request(request_id, "Done.")

    one = http.get(f"{emulator.endpoint}/requests/{request_id}.json").json()
    many = http.get(f"{emulator.endpoint}/requests.json").json()

    schemas["requests.json"].validate(one)
    schemas["requests.json"].validate(many)
    assert len(one) == 1
    assert one[0]["status"] == "closed"


@pytest.mark.data
def test_schema_validation_would_catch_a_broken_request(
    schemas: dict[str, Draft7Validator],
) -> None:
    broken = [{"service_request_id": 5, "status": "pending", "service_code": "TREE"}]
    assert len(list(schemas["requests.json"].iter_errors(broken))) >= 2


def test_xml_mirrors_json(emulator: Open311Emulator, http: httpx.Client) -> None:
    response = http.get(f"{emulator.endpoint}/services.xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own emulator's output)

    assert response.headers["content-type"].startswith("text/xml")
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root] == [
        "TREE",
        "POTHOLE",
        "STREETLIGHT",
        "GRAFFITI",
    ]
    assert root[0].findtext("metadata") == "true"


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": "wrong", "service_code": "TREE", "lat": "1", "long": "1"}, 403, "api_key"),
        ({"service_code": "TREE", "lat": "1", "long": "1"}, 403, "api_key"),
        ({"api_key": "KEY", "lat": "1", "long": "1"}, 400, "service_code"),
        ({"api_key": "KEY", "service_code": "TREE"}, 400, "location"),
        ({"api_key": "KEY", "service_code": "TREE", "lat": "1"}, 400, "location"),
        ({"api_key": "KEY", "service_code": "TREE", "lat": "95", "long": "1"}, 400, "lat"),
        ({"api_key": "KEY", "service_code": "STREETLIGHT", "address_string": "x"}, 400, "POLE_ID"),
        ({"api_key": "KEY", "service_code": "NOPE", "address_string": "x"}, 404, "NOPE"),
        (
            {
                "api_key": "KEY",
                "service_code": "TREE",
                "address_string": "x",
                "attribute[HAZARD][]": "flood",
            },
            400,
            "HAZARD",
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "TREE",
                "address_string": "x",
                "description": "<b>hi</b>",
            },
            400,
            "HTML",
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "TREE",
                "address_string": "x",
                "description": "x" * 4001,
            },
            400,
            "4000",
        ),
        (
            {
                "api_key": "KEY",
                "service_code": "TREE",
                "address_string": "x",
                "jurisdiction_id": "nowhere",
            },
            404,
            "jurisdiction",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_documented_errors_come_as_arrays(
    emulator: Open311Emulator,
    http: httpx.Client,
    fields: dict[str, str],
    status: int,
    words: str,
    fmt: str,
) -> None:
    sent = {k: (emulator.api_key if v == "KEY" else v) for k, v in fields.items()}

    response = _post(http, emulator, sent, fmt)

    assert response.status_code == status
    if fmt == "json":
        errors = [(e["code"], e["description"]) for e in response.json()]
    else:
        root = ET.fromstring(response.content)  # noqa: S314 (our own emulator's output)
        assert root.tag == "errors"
        errors = [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]
    assert len(errors) == 1
    assert errors[0][0] == status
    assert words in errors[0][1]
    assert emulator.stored_requests() == []


def test_unknown_request_and_resource_are_404(
    emulator: Open311Emulator, http: httpx.Client
) -> None:
    assert http.get(f"{emulator.endpoint}/requests/424242.json").status_code == 404
    assert http.get(f"{emulator.endpoint}/services/POTHOLE.json").status_code == 404
    assert http.get(f"{emulator.endpoint}/nothing.json").status_code == 404
    assert http.get(f"{emulator.base_url}/elsewhere").status_code == 404


def test_batch_token_resolves_after_the_configured_polls(
    emulator: Open311Emulator, http: httpx.Client
) -> None:
    fields = {
        "api_key": emulator.api_key,
        "service_code": "GRAFFITI",
        "address_string": "12 Elm St",
    }
    created = _post(http, emulator, fields).json()
    token = created[0]["token"]
    assert "service_request_id" not in created[0]
    assert http.get(f"{emulator.endpoint}/requests.json").json() == []

    first = http.get(f"{emulator.endpoint}/tokens/{token}.json").json()
    second = http.get(f"{emulator.endpoint}/tokens/{token}.json").json()

    assert first == [{"service_request_id": None, "token": token}]
    assert second == [{"service_request_id": "1001", "token": token}]
    assert http.get(f"{emulator.endpoint}/tokens/unknown.json").status_code == 404


def test_request_search_filters_and_limits_the_span(
    emulator: Open311Emulator, http: httpx.Client
) -> None:
    _post(http, emulator, _tree(emulator))
    _post(http, emulator, {**_tree(emulator), "service_code": "POTHOLE"})
    emulator.close_request("1002", "Filled.")
    url = f"{emulator.endpoint}/requests.json"

    assert [r["service_request_id"] for r in http.get(url, params={"status": "closed"}).json()] == [
        "1002"
    ]
    assert [r["service_code"] for r in http.get(url, params={"service_code": "TREE"}).json()] == [
        "TREE"
    ]
    by_ids = http.get(url, params={"service_request_id": "1001,1002", "status": "closed"}).json()
    assert len(by_ids) == 2  # a list of ids overrides every other filter
    now = datetime.now(UTC)
    too_long = {"start_date": (now - timedelta(days=91)).isoformat(), "end_date": now.isoformat()}
    assert http.get(url, params=too_long).status_code == 400
    naive = {"start_date": "2026-11-01T00:00:00"}
    assert http.get(url, params=naive).status_code == 400


def test_control_api_injects_faults_and_closes_requests(
    emulator: Open311Emulator, http: httpx.Client
) -> None:
    control = emulator.control_url
    assert http.post(f"{control}/fault", json={"mode": "down", "count": 2}).status_code == 200

    down = [http.get(f"{emulator.endpoint}/services.json") for _ in range(2)]
    up = http.get(f"{emulator.endpoint}/services.json")

    assert [r.status_code for r in down] == [503, 503]
    assert down[0].headers["retry-after"] == "1"
    assert up.status_code == 200

    http.post(f"{control}/fault", json={"mode": "malformed"})
    with pytest.raises(json.JSONDecodeError):
        json.loads(http.get(f"{emulator.endpoint}/services.json").content)
    http.post(f"{control}/fault", json={"mode": "none"})

    created = _post(http, emulator, _tree(emulator)).json()[0]["service_request_id"]
    closed = http.post(
        f"{control}/requests/{created}/close", json={"status_notes": "Tree removed."}
    )
    assert closed.status_code == 200
    request = http.get(f"{emulator.endpoint}/requests/{created}.json").json()[0]
    assert (request["status"], request["status_notes"]) == ("closed", "Tree removed.")
    assert http.post(f"{control}/requests/999/close", json={}).status_code == 404
    assert http.post(f"{control}/fault", json={"mode": "explode"}).status_code == 400

    stored = http.get(f"{control}/requests").json()
    assert stored[0]["service_code"] == "TREE"
    assert ["media_url", "https://example.org/tree.jpg"] in stored[0]["form"]

    assert http.post(f"{control}/reset", json={}).status_code == 200
    assert emulator.stored_requests() == []


def test_control_resolves_pending_tokens(emulator: Open311Emulator, http: httpx.Client) -> None:
    fields = {
        "api_key": emulator.api_key,
        "service_code": "GRAFFITI",
        "address_string": "12 Elm St",
    }
    token = _post(http, emulator, fields).json()[0]["token"]

    http.post(f"{emulator.control_url}/tokens/resolve", json={})

    assert (
        http.get(f"{emulator.endpoint}/tokens/{token}.json").json()[0]["service_request_id"]
        == "1001"
    )


def test_slow_fault_delays_then_answers(http: httpx.Client) -> None:
    with Open311Emulator() as server:
        server.set_fault("slow", count=1, delay_s=0.05)
        assert http.get(f"{server.endpoint}/services.json").status_code == 200


def test_discovery_lists_the_endpoint(emulator: Open311Emulator, http: httpx.Client) -> None:
    discovery = http.get(emulator.discovery_url).json()
    assert discovery["endpoints"][0]["url"] == emulator.endpoint
    assert "application/json" in discovery["endpoints"][0]["formats"]
