"""The brief's third example end to end: a downed tree with coordinates reaches a crew, and the
reporter hears when the city closes it; a city that is down gets the report later, not never."""

from __future__ import annotations

from atdesk.domain.retry import BackoffPolicy
from atdesk.emulators.open311 import Open311Emulator
from atdesk.integrations.open311 import (
    FieldReport,
    NeedsHuman,
    Open311Client,
    Progress,
    ReadyToSubmit,
    ServiceCodeMapper,
    StillPending,
    Submitted,
    TryAgain,
    build_request,
    closure_message,
    follow_up,
    from_geojson_point,
    receipt_message,
    submit_report,
)

POST_TEXT = "@CityGovt I want to report a downed tree blocking Main Street"
# What X sends: a GeoJSON point, [lon, lat].
X_GEO = {"type": "Point", "coordinates": [-74.0060, 40.7128]}
POLICY = BackoffPolicy(base_s=30, cap_s=600, max_attempts=4, jitter=0.0)


def _ready(client: Open311Client, **overrides: object) -> ReadyToSubmit:
    services = client.services()
    definitions = {
        s.service_code: client.service_definition(s.service_code) for s in services if s.metadata
    }
    fields: dict[str, object] = {
        "text": POST_TEXT,
        "coordinates": from_geojson_point(X_GEO["coordinates"]),  # type: ignore[arg-type]
        "address_text": "Main Street",
        "media_urls": ("https://pbs.example/media/tree.jpg",),
        "case_reference": "case-123",
        "attributes": {"HAZARD": ["road_blocked"]},
    }
    fields.update(overrides)
    built = build_request(
        FieldReport(**fields),  # type: ignore[arg-type]
        mapper=ServiceCodeMapper.from_services(services),
        definitions=definitions,
    )
    assert isinstance(built, ReadyToSubmit), built
    return built


def test_downed_tree_is_filed_followed_and_closed(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key=open311.api_key, fmt="xml") as client:
        ready = _ready(client)
        submitted = submit_report(client, ready.request, attempt=1, policy=POLICY)
        assert isinstance(submitted, Submitted)
        request_id = submitted.receipt.service_request_id
        assert request_id is not None

        open_now = follow_up(client, service_request_id=request_id)
        open311.close_request(request_id, "Crew removed the tree at 14:10.")
        closed = follow_up(client, service_request_id=request_id)

    form = dict(open311.stored_requests()[0]["form"])
    assert form["service_code"] == "TREE"
    assert (form["lat"], form["long"]) == ("40.7128", "-74.006")
    assert form["media_url"] == "https://pbs.example/media/tree.jpg"
    assert "ref case-123" in form["description"]
    assert "Its reference is 1001" in receipt_message(submitted.receipt)
    assert isinstance(open_now, Progress)
    assert not open_now.request.closed
    assert isinstance(closed, Progress)
    assert closed.request.closed
    assert closure_message(closed.request) == (
        "Update on your fallen or downed tree report (city ref 1001): the city has closed it."
        " The city says: Crew removed the tree at 14:10."
    )


def test_city_down_is_retried_with_backoff_and_never_lost(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key=open311.api_key) as client:
        ready = _ready(client)
        open311.set_fault("down", count=2)
        outcomes = [
            submit_report(client, ready.request, attempt=n, policy=POLICY) for n in (1, 2, 3)
        ]

    assert isinstance(outcomes[0], TryAgain)
    assert isinstance(outcomes[1], TryAgain)
    assert outcomes[0].after_s == 30.0
    assert outcomes[1].after_s == 60.0
    assert isinstance(outcomes[2], Submitted)
    assert len(open311.stored_requests()) == 1


def test_city_down_for_good_ends_with_a_human_not_a_drop(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key=open311.api_key) as client:
        ready = _ready(client)
        open311.set_fault("down")
        outcome = submit_report(client, ready.request, attempt=POLICY.max_attempts, policy=POLICY)
    assert isinstance(outcome, NeedsHuman)
    assert "kept failing after 4 attempts" in outcome.reason


def test_batch_service_follow_up_resolves_the_token(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key=open311.api_key) as client:
        ready = _ready(client, text="graffiti all over the bus shelter", attributes={})
        submitted = submit_report(client, ready.request, attempt=1)
        assert isinstance(submitted, Submitted)
        token = submitted.receipt.token
        assert token is not None
        assert "reference shortly" in receipt_message(submitted.receipt)

        first = follow_up(client, token=token)
        second = follow_up(client, token=token)

    assert first == StillPending(token)
    assert isinstance(second, Progress)
    assert second.id_just_assigned
    assert second.request.service_request_id == "1001"


def test_follow_up_outage_says_try_again(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key=open311.api_key) as client:
        open311.set_fault("slow", delay_s=5.0)
        with Open311Client(open311.endpoint, timeout_s=0.2) as impatient:
            outcome = follow_up(impatient, service_request_id="1001", policy=POLICY)
        open311.set_fault(None)
        gone = follow_up(client, service_request_id="424242")
    assert isinstance(outcome, TryAgain)
    assert isinstance(gone, NeedsHuman)


def test_reports_the_automation_cannot_file(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key=open311.api_key) as client:
        services = client.services()
        mapper = ServiceCodeMapper.from_services(services)
        definitions = {"STREETLIGHT": client.service_definition("STREETLIGHT")}

    nothing_fits = build_request(FieldReport(text="my bill is wrong"), mapper=mapper)
    nowhere = build_request(FieldReport(text="downed tree"), mapper=mapper)
    no_pole = build_request(
        FieldReport(text="street light out", address_text="5th and Oak"),
        mapper=mapper,
        definitions=definitions,
    )
    swapped = build_request(FieldReport(text="pothole", coordinates=(-122.4, 37.7)), mapper=mapper)

    assert nothing_fits == NeedsHuman("no city service matches this report; choose one by hand")
    assert isinstance(nowhere, NeedsHuman)
    assert "no coordinates and no address" in nowhere.reason
    assert no_pole == NeedsHuman("attribute POLE_ID is required by service STREETLIGHT")
    assert isinstance(swapped, NeedsHuman)
    assert "swapped" in swapped.reason


def test_refused_by_the_city_goes_to_a_human_with_its_words(open311: Open311Emulator) -> None:
    with Open311Client(open311.endpoint, api_key="revoked") as client:
        ready = _ready(client)
        outcome = submit_report(client, ready.request, attempt=1)
    assert isinstance(outcome, NeedsHuman)
    assert "Invalid api_key received" in outcome.reason
