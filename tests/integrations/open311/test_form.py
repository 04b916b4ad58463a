"""What atdesk posts: plain descriptions within 4000 characters, attributes checked first."""

from __future__ import annotations

import pytest

from atdesk.emulators.open311 import DEFAULT_SERVICES
from atdesk.integrations.open311 import (
    Contact,
    Location,
    NewServiceRequest,
    attribute_problems,
    clean_description,
    encode_form,
)
from atdesk.integrations.open311.wire import parse_service_definition


def test_description_loses_html_but_keeps_the_words() -> None:
    text = "<p>Downed <b>tree</b> &amp; wires</p>\n\n\n<script>x</script>on Main&nbsp;St"
    assert clean_description(text) == "Downed tree & wires\n\nx on Main\xa0St"


def test_description_never_carries_angle_brackets() -> None:
    assert "<" not in clean_description("a <3 b")
    assert ">" not in clean_description("x -> y")


def test_description_is_cut_at_the_limit_on_a_word() -> None:
    text = "tree " * 1000
    cleaned = clean_description(text)
    assert len(cleaned) <= 4000
    assert cleaned.endswith("tree…")


def test_form_order_and_fields() -> None:
    request = NewServiceRequest(
        service_code="TREE",
        location=Location(lat=40.71280001, long=-74.006, address_string="Main St"),
        description="Downed tree",
        media_url="https://example.org/p.jpg",
        attributes={"HAZARD": ["road_blocked", "power_lines"]},
        contact=Contact(email="dana@example.org", phone=""),
    )

    fields = encode_form(request, api_key="k123", jurisdiction_id="city.example")

    assert fields == [
        ("api_key", "k123"),
        ("jurisdiction_id", "city.example"),
        ("service_code", "TREE"),
        ("lat", "40.7128"),
        ("long", "-74.006"),
        ("address_string", "Main St"),
        ("attribute[HAZARD][]", "road_blocked"),
        ("attribute[HAZARD][]", "power_lines"),
        ("email", "dana@example.org"),
        ("description", "Downed tree"),
        ("media_url", "https://example.org/p.jpg"),
    ]


def test_location_must_be_complete_and_in_range() -> None:
    with pytest.raises(ValueError, match="together"):
        Location(lat=1.0)
    with pytest.raises(ValueError, match="needs"):
        Location()
    with pytest.raises(ValueError, match="swapped"):
        Location(lat=-122.4, long=37.7)


def _definition(code: str):  # type: ignore[no-untyped-def]
    service = next(s for s in DEFAULT_SERVICES if s.code == code)
    return parse_service_definition(
        {"service_code": code, "attributes": [dict(a) for a in service.attributes]}
    )


def test_attribute_problems_name_missing_wrong_and_unknown() -> None:
    assert attribute_problems(_definition("STREETLIGHT"), {"POLE_ID": "SF-8812"}) == []
    assert attribute_problems(_definition("STREETLIGHT"), {}) == [
        "attribute POLE_ID is required by service STREETLIGHT"
    ]
    problems = attribute_problems(_definition("TREE"), {"HAZARD": "road_blocked", "X": "1"})
    assert problems == [
        "attribute HAZARD is a multivaluelist: give a list of keys",
        "service TREE has no attribute X",
    ]
    assert attribute_problems(_definition("TREE"), {"HAZARD": ["flood"]}) == [
        "attribute HAZARD: flood not among power_lines, road_blocked, sidewalk_blocked"
    ]
