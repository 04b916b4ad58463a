"""Coordinates as Open311 wants them: X GeoJSON is [lon, lat], Post.coordinates is (lat, lon)."""

from __future__ import annotations

import pytest

from atdesk.integrations.open311 import encode_form, from_geojson_point, location_for_report
from atdesk.integrations.open311.schemas import NewServiceRequest


def test_x_geojson_point_becomes_lat_lon() -> None:
    assert from_geojson_point([-122.4212, 37.7652]) == (37.7652, -122.4212)
    assert from_geojson_point([-122.4212, 37.7652, 12.0]) == (37.7652, -122.4212)
    with pytest.raises(ValueError, match="at least"):
        from_geojson_point([1.0])


def test_post_coordinates_go_out_as_lat_and_long() -> None:
    location = location_for_report((37.7652, -122.4212))
    assert location is not None
    fields = dict(encode_form(NewServiceRequest("TREE", location), api_key="k"))
    assert (fields["lat"], fields["long"]) == ("37.7652", "-122.4212")
    assert "address_string" not in fields


def test_address_alone_is_enough() -> None:
    location = location_for_report(None, address_text="  Main   Street ")
    assert location is not None
    assert location.lat is None
    assert location.address_string == "Main Street"


def test_no_location_at_all_is_none() -> None:
    assert location_for_report(None, address_text="  ") is None


def test_swapped_pair_is_caught() -> None:
    with pytest.raises(ValueError, match="swapped"):
        location_for_report((-122.4212, 37.7652))
