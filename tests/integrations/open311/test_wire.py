"""Decoding what real servers send: XML lists of one, numeric ids, extra statuses, error arrays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atdesk.integrations.open311 import Open311BadResponse, RequestStatus
from atdesk.integrations.open311.wire import (
    decode_body,
    parse_errors,
    parse_receipt,
    parse_requests,
    parse_services,
    parse_token,
)


def test_xml_list_of_one_is_still_a_list() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <services><service><service_code>001</service_code><service_name>Cans left out</service_name>
    <description/><metadata>true</metadata><type>realtime</type>
    <keywords>lorem, ipsum</keywords><group>sanitation</group></service></services>"""

    services = parse_services(decode_body(body, "xml"))

    assert len(services) == 1
    assert services[0].service_code == "001"
    assert services[0].metadata is True
    assert services[0].description is None
    assert services[0].keywords == ("lorem", "ipsum")


def test_xml_error_array() -> None:
    body = (
        b"<errors><error><code>403</code>"
        b"<description>Invalid api_key received</description></error></errors>"
    )

    errors = parse_errors(decode_body(body, "xml"))

    assert [(e.code, e.description) for e in errors] == [("403", "Invalid api_key received")]


def test_numeric_ids_and_float_coordinates_normalise() -> None:
    data = [
        {
            "service_request_id": 638344,
            "status": "open",
            "service_code": 7,
            "lat": "37.76",
            "long": -122.42,
            "requested_datetime": "2026-03-01T14:05:09-08:00",
        }
    ]

    request = parse_requests(data)[0]

    assert request.service_request_id == "638344"
    assert request.service_code == "7"
    assert request.lat == 37.76
    assert request.requested_datetime == datetime(2026, 3, 1, 22, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", RequestStatus.OPEN),
        ("CLOSED", RequestStatus.CLOSED),
        ("in_progress", RequestStatus.OPEN),
        ("acknowledged", RequestStatus.OPEN),
        ("completed", RequestStatus.CLOSED),
    ],
)
def test_extra_statuses_only_close_when_finished(status: str, expected: RequestStatus) -> None:
    data = [{"service_request_id": "1", "status": status}]
    assert parse_requests(data)[0].status is expected


def test_datetime_without_offset_is_read_as_utc() -> None:
    data = [
        {"service_request_id": "1", "status": "open", "updated_datetime": "2026-11-20T10:00:00"}
    ]
    assert parse_requests(data)[0].updated_datetime == datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_receipt_needs_an_id_or_a_token() -> None:
    with pytest.raises(Open311BadResponse):
        parse_receipt([{"service_notice": "thanks"}])
    with pytest.raises(Open311BadResponse):
        parse_receipt([])
    assert parse_receipt([{"token": "abc"}]).pending


def test_token_without_id_means_not_yet() -> None:
    assert parse_token([{"token": "abc", "service_request_id": None}]) is None
    assert parse_token([{"token": "abc", "service_request_id": 12}]) == "12"


def test_html_error_page_has_no_error_array() -> None:
    with pytest.raises(Open311BadResponse):
        decode_body(b"<html><body>502 Bad Gateway", "xml")
    assert parse_errors({"html": "x"}) == ()


def test_bad_json_is_a_bad_response() -> None:
    with pytest.raises(Open311BadResponse, match="retry later"):
        decode_body(b'[{"service_request_id": "1', "json")


def test_a_bare_object_is_read_as_a_list_of_one() -> None:
    assert (
        parse_requests({"service_request_id": "5", "status": "open"})[0].service_request_id == "5"
    )


def test_a_request_without_id_is_a_bad_response() -> None:
    with pytest.raises(Open311BadResponse, match="service_request_id"):
        parse_requests([{"status": "open"}])
