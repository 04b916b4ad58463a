"""Build the form body of POST requests from a NewServiceRequest, within the spec's limits."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from atdesk.integrations.open311.schemas import (
    AttributeDatatype,
    AttributeInput,
    NewServiceRequest,
    ServiceDefinition,
)

MAX_DESCRIPTION = 4000
_TAG = re.compile(r"<[^>]{0,500}>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_description(text: str, *, limit: int = MAX_DESCRIPTION) -> str:
    """Plain text the city accepts: tags removed, entities decoded, at most `limit` characters."""
    plain = html.unescape(_TAG.sub(" ", text))
    # Characters that look like markup to a strict server are spelled out rather than dropped.
    plain = plain.replace("<", "‹").replace(">", "›")
    lines = [_SPACES.sub(" ", line).strip() for line in plain.split("\n")]
    plain = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def encode_form(
    request: NewServiceRequest, *, api_key: str | None, jurisdiction_id: str | None = None
) -> list[tuple[str, str]]:
    """The form fields in a stable order; multi-value attributes repeat `attribute[CODE][]`."""
    fields: list[tuple[str, str]] = []
    if api_key:
        fields.append(("api_key", api_key))
    if jurisdiction_id:
        fields.append(("jurisdiction_id", jurisdiction_id))
    fields.append(("service_code", request.service_code))
    location = request.location
    if location.lat is not None and location.long is not None:
        fields.append(("lat", _coordinate(location.lat)))
        fields.append(("long", _coordinate(location.long)))
    if location.address_string:
        fields.append(("address_string", location.address_string))
    if location.address_id:
        fields.append(("address_id", location.address_id))
    for code, value in request.attributes.items():
        if isinstance(value, str):
            fields.append((f"attribute[{code}]", value))
        else:
            fields.extend((f"attribute[{code}][]", item) for item in value)
    contact = request.contact
    for name in ("email", "device_id", "account_id", "first_name", "last_name", "phone"):
        value = getattr(contact, name)
        if value:
            fields.append((name, str(value)))
    description = clean_description(request.description)
    if description:
        fields.append(("description", description))
    if request.media_url:
        fields.append(("media_url", request.media_url))
    return fields


def _coordinate(value: float) -> str:
    # Seven decimals is about a centimetre; more only leaks float noise into the city's system.
    return f"{value:.7f}".rstrip("0").rstrip(".")


def attribute_problems(
    definition: ServiceDefinition, attributes: Mapping[str, AttributeInput]
) -> list[str]:
    """Why the city would refuse these attributes (missing, unknown choice), checked before POST."""
    problems = []
    by_code = {a.code: a for a in definition.attributes}
    for code in definition.required_codes():
        value = attributes.get(code)
        if (
            value is None
            or (isinstance(value, str) and not value.strip())
            or (not isinstance(value, str) and not list(value))
        ):
            problems.append(f"attribute {code} is required by service {definition.service_code}")
    for code, value in attributes.items():
        attr = by_code.get(code)
        if attr is None:
            problems.append(f"service {definition.service_code} has no attribute {code}")
            continue
        if attr.datatype is AttributeDatatype.MULTIVALUELIST and isinstance(value, str):
            problems.append(f"attribute {code} is a multivaluelist: give a list of keys")
        if attr.datatype is AttributeDatatype.SINGLEVALUELIST and not isinstance(value, str):
            problems.append(f"attribute {code} takes a single key")
        if attr.values:
            keys = {v.key for v in attr.values}
            chosen = [value] if isinstance(value, str) else list(value)
            unknown = [c for c in chosen if c not in keys]
            if unknown:
                allowed = ", ".join(sorted(keys))
                problems.append(f"attribute {code}: {', '.join(unknown)} not among {allowed}")
    return problems
