"""Open311 GeoReport v2: file field reports with a city and follow them until it closes them."""

from atdesk.integrations.open311.client import Open311Client, fetch_discovery
from atdesk.integrations.open311.errors import (
    CityError,
    NextAction,
    Open311BadResponse,
    Open311ConfigError,
    Open311Error,
    Open311NotFound,
    Open311Rejected,
    Open311Unavailable,
)
from atdesk.integrations.open311.form import attribute_problems, clean_description, encode_form
from atdesk.integrations.open311.location import from_geojson_point, location_for_report
from atdesk.integrations.open311.mapping import ServiceCodeMapper, ServiceMatch
from atdesk.integrations.open311.schemas import (
    Contact,
    Discovery,
    Location,
    NewServiceRequest,
    RequestStatus,
    Service,
    ServiceDefinition,
    ServiceRequest,
    ServiceType,
    SubmitReceipt,
)

__all__ = [
    "CityError",
    "Contact",
    "Discovery",
    "Location",
    "NewServiceRequest",
    "NextAction",
    "Open311BadResponse",
    "Open311Client",
    "Open311ConfigError",
    "Open311Error",
    "Open311NotFound",
    "Open311Rejected",
    "Open311Unavailable",
    "RequestStatus",
    "Service",
    "ServiceCodeMapper",
    "ServiceDefinition",
    "ServiceMatch",
    "ServiceRequest",
    "ServiceType",
    "SubmitReceipt",
    "attribute_problems",
    "clean_description",
    "encode_form",
    "fetch_discovery",
    "from_geojson_point",
    "location_for_report",
]
