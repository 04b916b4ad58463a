"""Where a field report happened, in the form Open311 wants (lat and long, or an address).

atdesk's Post.coordinates is already (lat, lon). X's GeoJSON is [lon, lat]: convert it with
`from_geojson_point` once, at the edge, and never pass a GeoJSON pair around as a tuple.
"""

from __future__ import annotations

from collections.abc import Sequence

from atdesk.integrations.open311.schemas import Location


def from_geojson_point(coordinates: Sequence[float]) -> tuple[float, float]:
    """A GeoJSON position [lon, lat(, alt)] as atdesk's (lat, lon)."""
    if len(coordinates) < 2:
        raise ValueError("a GeoJSON position needs at least [lon, lat]")
    return (float(coordinates[1]), float(coordinates[0]))


def location_for_report(
    coordinates: tuple[float, float] | None,
    *,
    address_text: str | None = None,
    address_id: str | None = None,
) -> Location | None:
    """The post's (lat, lon) when it has one, plus any address the text named; None if neither.

    Both are sent when both are known: the spec allows it, and the address helps the crew.
    """
    address = " ".join((address_text or "").split()) or None
    if coordinates is not None:
        lat, lon = coordinates
        return Location(lat=lat, long=lon, address_string=address, address_id=address_id)
    if address or address_id:
        return Location(address_string=address, address_id=address_id)
    return None
