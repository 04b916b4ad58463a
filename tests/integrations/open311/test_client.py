"""The Open311 client against the emulated city, in JSON and XML, failures included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest

from atdesk.emulators.open311 import Open311Emulator
from atdesk.integrations.open311 import (
    Contact,
    Location,
    NewServiceRequest,
    NextAction,
    Open311BadResponse,
    Open311Client,
    Open311ConfigError,
    Open311NotFound,
    Open311Rejected,
    Open311Unavailable,
    RequestStatus,
    ServiceType,
    fetch_discovery,
    location_for_report,
)

MAIN_STREET = (40.7128, -74.0060)


def tree_report(**overrides: object) -> NewServiceRequest:
    fields: dict[str, object] = {
        "service_code": "TREE",
        "location": location_for_report(MAIN_STREET, address_text="Main Street"),
        "description": "Downed tree blocking Main Street",
        "media_url": "https://pbs.example/media/tree.jpg",
        "attributes": {"HAZARD": ["road_blocked", "power_lines"]},
    }
    fields.update(overrides)
    return NewServiceRequest(**fields)  # type: ignore[arg-type]


def test_services_list_types_keywords_and_metadata(city: Open311Client) -> None:
    services = {s.service_code: s for s in city.services()}

    assert set(services) == {"TREE", "POTHOLE", "STREETLIGHT", "GRAFFITI"}
    assert services["TREE"].metadata is True
    assert services["POTHOLE"].metadata is False
    assert services["GRAFFITI"].type is ServiceType.BATCH
    assert "downed tree" in services["TREE"].keywords


def test_service_definition_lists_attributes_in_order(city: Open311Client) -> None:
    definition = city.service_definition("STREETLIGHT")

    assert [a.code for a in definition.attributes] == ["POLE_ID", "NOTE"]
    assert definition.required_codes() == ("POLE_ID",)
    assert definition.attributes[1].variable is False


def test_realtime_submit_returns_an_id_and_the_city_stores_what_was_sent(
    city: Open311Client, open311: Open311Emulator
) -> None:
    receipt = city.submit(tree_report(contact=Contact(first_name="Dana", email="dana@example.org")))

    assert receipt.service_request_id == "1001"
    assert receipt.pending is False
    assert receipt.service_notice
    form = dict(open311.stored_requests()[0]["form"])
    assert form["api_key"] == open311.api_key
    assert (form["lat"], form["long"]) == ("40.7128", "-74.006")
    assert form["address_string"] == "Main Street"
    assert form["media_url"] == "https://pbs.example/media/tree.jpg"
    assert form["first_name"] == "Dana"
    hazards = [v for k, v in open311.stored_requests()[0]["form"] if k == "attribute[HAZARD][]"]
    assert hazards == ["road_blocked", "power_lines"]


def test_get_request_follows_the_status_until_the_city_closes_it(
    city: Open311Client, open311: Open311Emulator
) -> None:
    request_id = city.submit(tree_report()).service_request_id
    assert request_id is not None

    before = city.get_request(request_id)
    open311.close_request(request_id, "Crew removed the tree.")
    after = city.get_request(request_id)

    assert before.status is RequestStatus.OPEN
    assert not before.closed
    assert after.closed
    assert after.status_notes == "Crew removed the tree."
    assert after.lat == pytest.approx(MAIN_STREET[0])
    assert after.long == pytest.approx(MAIN_STREET[1])
    assert after.requested_datetime is not None
    assert after.requested_datetime.tzinfo is not None


def test_batch_service_gives_a_token_that_resolves_to_an_id_later(city: Open311Client) -> None:
    receipt = city.submit(
        NewServiceRequest("GRAFFITI", Location(address_string="12 Elm St"), description="Tags")
    )
    assert receipt.pending
    assert receipt.token

    first = city.resolve_token(receipt.token)
    second = city.resolve_token(receipt.token)

    assert first is None
    assert second == "1001"
    assert city.get_request(second).service_code == "GRAFFITI"


def test_unknown_token_is_not_yet_rather_than_an_error(city: Open311Client) -> None:
    assert city.resolve_token("no-such-token") is None


def test_find_requests_filters_by_ids_code_and_status(
    city: Open311Client, open311: Open311Emulator
) -> None:
    tree = city.submit(tree_report()).service_request_id
    pothole = city.submit(
        NewServiceRequest("POTHOLE", Location(address_string="5th and Oak"))
    ).service_request_id
    assert tree
    assert pothole
    open311.close_request(pothole, "Filled.")

    by_id = city.find_requests(ids=[tree])
    closed = city.find_requests(status=[RequestStatus.CLOSED])
    trees = city.find_requests(service_code="TREE", start=datetime.now(UTC) - timedelta(days=1))

    assert [r.service_request_id for r in by_id] == [tree]
    assert [r.service_request_id for r in closed] == [pothole]
    assert [r.service_request_id for r in trees] == [tree]


def test_wrong_api_key_is_a_config_error(open311: Open311Emulator) -> None:
    with (
        Open311Client(open311.endpoint, api_key="wrong") as client,
        pytest.raises(Open311ConfigError) as caught,
    ):
        client.submit(tree_report())

    assert caught.value.next_action is NextAction.FIX_CONFIG
    assert caught.value.status_code == 403
    assert caught.value.city_description == "Invalid api_key received"
    assert open311.stored_requests() == []


def test_missing_api_key_fails_before_any_call(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint) as client, pytest.raises(Open311ConfigError):
        client.submit(tree_report())


def test_missing_required_attribute_is_rejected_with_the_city_words(city: Open311Client) -> None:
    with pytest.raises(Open311Rejected) as caught:
        city.submit(NewServiceRequest("STREETLIGHT", Location(address_string="1 Main St")))

    assert caught.value.next_action is NextAction.GIVE_UP
    assert caught.value.status_code == 400
    assert "POLE_ID" in caught.value.city_description


def test_unknown_service_code_and_request_are_not_found(city: Open311Client) -> None:
    with pytest.raises(Open311NotFound):
        city.submit(NewServiceRequest("NOPE", Location(address_string="1 Main St")))
    with pytest.raises(Open311NotFound) as caught:
        city.get_request("999999")
    assert "999999" in caught.value.city_description


def test_unknown_jurisdiction_is_not_found(open311: Open311Emulator) -> None:
    with (
        Open311Client(open311.endpoint, jurisdiction_id="elsewhere.example") as client,
        pytest.raises(Open311NotFound) as caught,
    ):
        client.services()
    assert "jurisdiction" in caught.value.city_description


def test_matching_jurisdiction_is_sent_and_accepted(open311: Open311Emulator) -> None:
    with Open311Client(
        open311.endpoint, api_key=open311.api_key, jurisdiction_id=open311.jurisdiction_id
    ) as client:
        assert client.submit(tree_report()).service_request_id == "1001"
    form = dict(open311.stored_requests()[0]["form"])
    assert form["jurisdiction_id"] == open311.jurisdiction_id


def test_server_down_says_retry_later_and_nothing_is_stored(
    city: Open311Client, open311: Open311Emulator
) -> None:
    open311.set_fault("down", count=1)

    with pytest.raises(Open311Unavailable) as caught:
        city.submit(tree_report())

    assert caught.value.next_action is NextAction.RETRY_LATER
    assert caught.value.status_code == 503
    assert caught.value.retry_after_s == 1.0
    assert open311.stored_requests() == []
    assert city.submit(tree_report()).service_request_id == "1001"


def test_slow_server_times_out_as_retry_later(open311: Open311Emulator) -> None:
    open311.set_fault("slow", count=1, delay_s=5.0)

    with (
        Open311Client(open311.endpoint, timeout_s=0.2) as client,
        pytest.raises(Open311Unavailable) as caught,
    ):
        client.services()

    assert "timed out" in str(caught.value)


def test_malformed_body_is_a_bad_response_to_retry(
    city: Open311Client, open311: Open311Emulator
) -> None:
    open311.set_fault("malformed", count=1)

    with pytest.raises(Open311BadResponse) as caught:
        city.services()

    assert caught.value.next_action is NextAction.RETRY_LATER
    assert len(city.services()) == 4


def test_connection_refused_is_retry_later() -> None:
    emulator = Open311Emulator().start()
    endpoint = emulator.endpoint
    emulator.stop()

    with Open311Client(endpoint, timeout_s=1.0) as client, pytest.raises(Open311Unavailable):
        client.services()


def test_numeric_ids_from_the_server_become_strings() -> None:
    with (
        Open311Emulator(numeric_ids=True) as emulator,
        Open311Client(emulator.endpoint, api_key=emulator.api_key) as client,
    ):
        receipt = client.submit(tree_report())
        found = client.find_requests(ids=["1001"])

    assert receipt.service_request_id == "1001"
    assert found[0].service_request_id == "1001"


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_discovery_points_at_the_endpoint(open311: Open311Emulator, suffix: str) -> None:
    url = open311.discovery_url.replace(".json", f".{suffix}")

    discovery = fetch_discovery(url)
    endpoint = discovery.endpoint()

    assert endpoint is not None
    assert endpoint.url == open311.endpoint
    assert endpoint.supports_json
    assert discovery.endpoint(production=False) is None
    assert discovery.contact


def _mock_client(handler: httpx.MockTransport) -> Open311Client:
    return Open311Client(
        "https://city.example/v2", api_key="k", http=httpx.Client(transport=handler)
    )


def test_429_honours_retry_after() -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(429, headers={"Retry-After": "120"}, json=[])
    )
    with pytest.raises(Open311Unavailable) as caught:
        _mock_client(transport).services()
    assert caught.value.retry_after_s == 120.0


def test_redirect_means_the_endpoint_moved() -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(301, headers={"Location": "https://new.example/v2"})
    )
    with pytest.raises(Open311ConfigError) as caught:
        _mock_client(transport).services()
    assert "new.example" in str(caught.value)


def test_other_4xx_is_rejected_even_without_an_error_array() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(422, text="<html>no</html>"))
    with pytest.raises(Open311Rejected) as caught:
        _mock_client(transport).services()
    assert caught.value.errors == ()


def test_post_is_form_encoded_with_bracketed_attributes() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"service_request_id": 77, "service_notice": None}])

    receipt = _mock_client(httpx.MockTransport(answer)).submit(
        tree_report(attributes={"HAZARD": ["road_blocked"], "SIZE": "large"})
    )

    assert receipt.service_request_id == "77"
    request = seen[0]
    assert request.url.path == "/v2/requests.json"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    pairs = parse_qsl(request.content.decode())
    assert ("attribute[HAZARD][]", "road_blocked") in pairs
    assert ("attribute[SIZE]", "large") in pairs


def test_find_requests_sends_w3c_dates_and_comma_lists() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    client = _mock_client(httpx.MockTransport(answer))
    client.find_requests(
        service_code="TREE",
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 11, 23, 12, tzinfo=UTC),
        status=[RequestStatus.OPEN, RequestStatus.CLOSED],
    )

    params = seen[0].url.params
    assert params["start_date"] == "2026-11-01T00:00:00Z"
    assert params["end_date"] == "2026-11-23T12:00:00Z"
    assert params["status"] == "open,closed"
    with pytest.raises(ValueError, match="timezone"):
        client.find_requests(start=datetime(2026, 11, 1))  # noqa: DTZ001 (the point of the test)
