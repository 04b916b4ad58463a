"""Decode GeoReport v2 bodies (JSON or XML) into the typed values of `schemas`.

Servers differ: ids come as numbers or strings, booleans as "true" in XML, optional fields
missing or empty. Everything is normalised here, in one place, so the client stays simple.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from atdesk.integrations.open311.errors import CityError, Open311BadResponse
from atdesk.integrations.open311.schemas import (
    AttributeDatatype,
    AttributeValue,
    Discovery,
    Endpoint,
    RequestStatus,
    Service,
    ServiceAttribute,
    ServiceDefinition,
    ServiceRequest,
    ServiceType,
    SubmitReceipt,
)

Format = Literal["json", "xml"]

# XML elements whose children form a list, whatever their count (one <service> is still a list).
_XML_LISTS = frozenset(
    {"services", "attributes", "values", "service_requests", "errors", "endpoints", "formats"}
)


def decode_body(body: bytes, fmt: Format) -> Any:
    """Parse a response body into plain lists, dicts and strings, or raise Open311BadResponse."""
    if fmt == "json":
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Open311BadResponse(f"the server sent invalid JSON ({exc}); retry later") from exc
    try:
        root = ET.fromstring(body)  # noqa: S314 (see the import note above)
    except ET.ParseError as exc:
        raise Open311BadResponse(f"the server sent invalid XML ({exc}); retry later") from exc
    return _xml_value(root)


def _xml_value(element: ET.Element) -> Any:
    children = list(element)
    if element.tag in _XML_LISTS:
        return [_xml_value(child) for child in children]
    if children:
        return {child.tag: _xml_value(child) for child in children}
    text = (element.text or "").strip()
    return text or None


def parse_errors(data: Any) -> tuple[CityError, ...]:
    """The spec's error array, or nothing when the body is not one (an HTML error page)."""
    if isinstance(data, Mapping) and "error" in data:  # an XML <errors> with one <error>
        data = [data["error"]]
    if not isinstance(data, list):
        return ()
    found = []
    for item in data:
        if isinstance(item, Mapping) and ("code" in item or "description" in item):
            found.append(
                CityError(
                    code=_str(item.get("code")) or "",
                    description=_str(item.get("description")) or "",
                )
            )
    return tuple(found)


def parse_discovery(data: Any) -> Discovery:
    """The discovery file (JSON object, or XML <discovery>)."""
    obj = _mapping(data, "discovery")
    endpoints = []
    for item in _list(obj.get("endpoints"), "endpoints"):
        entry = _mapping(item, "endpoint")
        formats = entry.get("formats") or []
        if isinstance(formats, str):
            formats = [formats]
        endpoints.append(
            Endpoint(
                url=_required_str(entry, "url"),
                specification=_str(entry.get("specification")) or "",
                type=_str(entry.get("type")) or "production",
                formats=tuple(str(f) for f in formats if f),
                changeset=_datetime(entry.get("changeset")),
            )
        )
    return Discovery(
        endpoints=tuple(endpoints),
        contact=_str(obj.get("contact")),
        key_service=_str(obj.get("key_service")),
        changeset=_datetime(obj.get("changeset")),
    )


def parse_services(data: Any) -> list[Service]:
    """GET services: an array of service objects."""
    services = []
    for item in _list(data, "services"):
        obj = _mapping(item, "service")
        keywords = _str(obj.get("keywords")) or ""
        services.append(
            Service(
                service_code=_required_str(obj, "service_code"),
                service_name=_str(obj.get("service_name")) or _required_str(obj, "service_code"),
                type=_service_type(obj.get("type")),
                metadata=_bool(obj.get("metadata")),
                description=_str(obj.get("description")),
                keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
                group=_str(obj.get("group")),
            )
        )
    return services


def parse_service_definition(data: Any) -> ServiceDefinition:
    """GET services/{code}: the attributes, sorted by the city's `order`."""
    obj = _mapping(data, "service_definition")
    attributes = []
    for item in _list(obj.get("attributes") or [], "attributes"):
        attr = _mapping(item, "attribute")
        datatype = _str(attr.get("datatype")) or "string"
        try:
            kind = AttributeDatatype(datatype)
        except ValueError:
            raise Open311BadResponse(f"unknown attribute datatype {datatype!r}") from None
        values = tuple(
            AttributeValue(key=_required_str(v, "key"), name=_str(v.get("name")) or "")
            for v in (_mapping(x, "value") for x in _list(attr.get("values") or [], "values"))
        )
        attributes.append(
            ServiceAttribute(
                code=_required_str(attr, "code"),
                datatype=kind,
                required=_bool(attr.get("required")),
                variable=_bool(attr.get("variable"), default=True),
                description=_str(attr.get("description")),
                datatype_description=_str(attr.get("datatype_description")),
                order=_int(attr.get("order")),
                values=values,
            )
        )
    attributes.sort(key=lambda a: (a.order is None, a.order or 0))
    return ServiceDefinition(
        service_code=_required_str(obj, "service_code"), attributes=tuple(attributes)
    )


def parse_receipt(data: Any) -> SubmitReceipt:
    """POST requests: a one-element array holding an id or a token."""
    items = _list(data, "service_requests")
    if not items:
        raise Open311BadResponse("the server accepted the request but returned no id or token")
    obj = _mapping(items[0], "request")
    request_id = _str(obj.get("service_request_id"))
    token = _str(obj.get("token"))
    if not request_id and not token:
        raise Open311BadResponse("the server's answer has neither service_request_id nor token")
    return SubmitReceipt(
        service_request_id=request_id,
        token=token,
        service_notice=_str(obj.get("service_notice")),
        account_id=_str(obj.get("account_id")),
    )


def parse_token(data: Any) -> str | None:
    """GET tokens/{token}: the service_request_id once the city has made one, else None."""
    items = _list(data, "service_requests")
    for item in items:
        request_id = _str(_mapping(item, "request").get("service_request_id"))
        if request_id:
            return request_id
    return None


def parse_requests(data: Any) -> list[ServiceRequest]:
    """GET requests and GET requests/{id} (the latter a one-element array)."""
    return [_parse_request(_mapping(item, "request")) for item in _list(data, "service_requests")]


def _parse_request(obj: Mapping[str, Any]) -> ServiceRequest:
    return ServiceRequest(
        service_request_id=_required_str(obj, "service_request_id"),
        status=_status(obj.get("status")),
        service_code=_str(obj.get("service_code")),
        service_name=_str(obj.get("service_name")),
        status_notes=_str(obj.get("status_notes")),
        description=_str(obj.get("description")),
        agency_responsible=_str(obj.get("agency_responsible")),
        service_notice=_str(obj.get("service_notice")),
        requested_datetime=_datetime(obj.get("requested_datetime")),
        updated_datetime=_datetime(obj.get("updated_datetime")),
        expected_datetime=_datetime(obj.get("expected_datetime")),
        address=_str(obj.get("address")),
        address_id=_str(obj.get("address_id")),
        zipcode=_str(obj.get("zipcode")),
        lat=_float(obj.get("lat")),
        long=_float(obj.get("long")),
        media_url=_str(obj.get("media_url")),
    )


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Open311BadResponse(f"expected a {what} object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if isinstance(value, Mapping):
        # An XML list wrapper that slipped through, or a server that sent one object bare.
        only = next(iter(value.values())) if len(value) == 1 else None
        return only if isinstance(only, list) else [value]
    if not isinstance(value, list):
        raise Open311BadResponse(f"expected a list of {what}, got {type(value).__name__}")
    return value


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _required_str(obj: Mapping[str, Any], key: str) -> str:
    value = _str(obj.get(key))
    if value is None:
        raise Open311BadResponse(f"the server's answer lacks {key}")
    return value


def _bool(value: Any, *, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes"}


def _int(value: Any) -> int | None:
    text = _str(value)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _float(value: Any) -> float | None:
    text = _str(value)
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    text = _str(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # The spec requires an offset; a server that omits it is read as UTC rather than guessed.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _service_type(value: Any) -> ServiceType:
    try:
        return ServiceType((_str(value) or "realtime").lower())
    except ValueError:
        return ServiceType.BLACKBOX


def _status(value: Any) -> RequestStatus:
    text = (_str(value) or "open").lower()
    # Some servers add their own statuses ("acknowledged", "in_progress", "completed"); only a
    # finished one counts as closed, so a reporter is never told "done" too early.
    if text in {"closed", "completed", "resolved", "done", "fixed"}:
        return RequestStatus.CLOSED
    return RequestStatus.OPEN
