"""Open311 GeoReport v2 resources as typed values; ids and codes are always strings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ServiceType(StrEnum):
    """How the city answers a new request: with an id now, a token for later, or nothing."""

    REALTIME = "realtime"
    BATCH = "batch"
    BLACKBOX = "blackbox"


class AttributeDatatype(StrEnum):
    """The input kinds a service definition may ask for."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class RequestStatus(StrEnum):
    """The two statuses the spec defines; servers that send others are mapped in the parser."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API base listed by a city's discovery file."""

    url: str
    specification: str
    type: str
    formats: tuple[str, ...]
    changeset: datetime | None = None

    @property
    def supports_json(self) -> bool:
        """JSON is optional for servers; XML is mandatory."""
        return "application/json" in self.formats


@dataclass(frozen=True, slots=True)
class Discovery:
    """A city's discovery file: where its endpoints are and who to ask for an api_key."""

    endpoints: tuple[Endpoint, ...]
    contact: str | None = None
    key_service: str | None = None
    changeset: datetime | None = None

    def endpoint(self, *, production: bool = True) -> Endpoint | None:
        """The GeoReport v2 endpoint to configure, preferring JSON, or None if the city has none."""
        wanted = "production" if production else "test"
        candidates = [
            e
            for e in self.endpoints
            if e.type == wanted and "georeport_v2" in e.specification.lower()
        ]
        candidates.sort(key=lambda e: not e.supports_json)
        return candidates[0] if candidates else None


@dataclass(frozen=True, slots=True)
class Service:
    """A request type the city accepts (GET services)."""

    service_code: str
    service_name: str
    type: ServiceType
    metadata: bool
    description: str | None = None
    keywords: tuple[str, ...] = ()
    group: str | None = None


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One choice of a single- or multi-value list attribute."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class ServiceAttribute:
    """An extra form field a service asks for; `variable` False means information only."""

    code: str
    datatype: AttributeDatatype
    required: bool
    variable: bool = True
    description: str | None = None
    datatype_description: str | None = None
    order: int | None = None
    values: tuple[AttributeValue, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    """The attributes of one service (GET services/{code}), in the city's display order."""

    service_code: str
    attributes: tuple[ServiceAttribute, ...]

    def required_codes(self) -> tuple[str, ...]:
        """Attribute codes a request must carry, or the city answers 400."""
        return tuple(a.code for a in self.attributes if a.required and a.variable)


AttributeInput = str | Sequence[str]


@dataclass(frozen=True, slots=True)
class Location:
    """Where the problem is: WGS84 lat/long, an address string, an address id, or several."""

    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None

    def __post_init__(self) -> None:
        if (self.lat is None) != (self.long is None):
            raise ValueError("Open311 needs lat and long together; give both or neither")
        if self.lat is None and not self.address_string and not self.address_id:
            raise ValueError("a location needs lat/long, an address string or an address id")
        if self.lat is not None and self.long is not None:
            if not -90 <= self.lat <= 90:
                raise ValueError(f"latitude {self.lat} is outside -90..90; were lat/lon swapped?")
            if not -180 <= self.long <= 180:
                raise ValueError(f"longitude {self.long} is outside -180..180")


@dataclass(frozen=True, slots=True)
class Contact:
    """The reporter's optional contact fields; only sent when the customer agreed to share."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    device_id: str | None = None
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewServiceRequest:
    """Everything atdesk sends to create one service request (POST requests)."""

    service_code: str
    location: Location
    description: str = ""
    media_url: str | None = None
    attributes: Mapping[str, AttributeInput] = field(default_factory=dict)
    contact: Contact = field(default_factory=Contact)


@dataclass(frozen=True, slots=True)
class SubmitReceipt:
    """What the city answered to a POST: an id (realtime) or a token to resolve later (batch)."""

    service_request_id: str | None
    token: str | None
    service_notice: str | None = None
    account_id: str | None = None

    def __post_init__(self) -> None:
        if not self.service_request_id and not self.token:
            raise ValueError("a receipt carries a service_request_id or a token")

    @property
    def pending(self) -> bool:
        """True while only a token is known; poll `resolve_token` until it gives an id."""
        return self.service_request_id is None


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """A request as the city reports it (GET requests); optional fields may be None."""

    service_request_id: str
    status: RequestStatus
    service_code: str | None = None
    service_name: str | None = None
    status_notes: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None

    @property
    def closed(self) -> bool:
        """The moment to tell the reporter the city has finished."""
        return self.status is RequestStatus.CLOSED
