"""A local Open311 GeoReport v2 server on a loopback socket, with the spec's errors and faults.

It answers like a city would (services, service definitions, realtime ids and batch tokens,
JSON and XML, the documented 400/403/404 error arrays) and lets tests and the demo close
requests and inject faults ("down", "slow", "malformed") through a small control API:

    POST /_control/fault                {"mode": "down"|"slow"|"malformed"|"none",
                                         "count": 2 (or null: until cleared), "delay_s": 2.0}
    POST /_control/requests/{id}/close  {"status_notes": "Crew removed the tree."}
    POST /_control/tokens/resolve       make every pending batch token resolve now
    GET  /_control/requests             what was stored, with the raw form fields received
    POST /_control/reset                forget requests and faults

Run it alone for the demo: `python -m atdesk.emulators.open311 --port 8311`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

FaultMode = Literal["down", "slow", "malformed"]
Format = Literal["json", "xml"]

API_PREFIX = "/open311/v2"
DISCOVERY_PREFIX = "/open311"
CONTROL_PREFIX = "/_control"
MAX_DESCRIPTION = 4000
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)

_XML_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_RESOURCE = re.compile(r"^/(?P<path>[A-Za-z0-9_\-/.%]+?)\.(?P<fmt>json|xml)$")


@dataclass(frozen=True, slots=True)
class EmulatedService:
    """One request type the emulated city offers; `attributes` use the service-definition shape."""

    code: str
    name: str
    description: str
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    group: str = "streets"
    keywords: tuple[str, ...] = ()
    agency: str = "Public Works"
    attributes: tuple[dict[str, Any], ...] = ()

    def to_wire(self) -> dict[str, Any]:
        """The GET services entry."""
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": bool(self.attributes),
            "type": self.type,
            "keywords": ", ".join(self.keywords),
            "group": self.group,
        }


DEFAULT_SERVICES: tuple[EmulatedService, ...] = (
    EmulatedService(
        code="TREE",
        name="Fallen or downed tree",
        description="A tree or large branch down on a street, sidewalk or park.",
        keywords=("tree", "downed tree", "fallen tree", "branch", "limb"),
        agency="Urban Forestry",
        attributes=(
            {
                "variable": True,
                "code": "HAZARD",
                "datatype": "multivaluelist",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": "What is the tree affecting?",
                "values": [
                    {"key": "road_blocked", "name": "Blocking the road"},
                    {"key": "sidewalk_blocked", "name": "Blocking the sidewalk"},
                    {"key": "power_lines", "name": "Touching power lines"},
                ],
            },
        ),
    ),
    EmulatedService(
        code="POTHOLE",
        name="Pothole",
        description="A hole or broken surface in the road.",
        keywords=("pothole", "road damage", "sinkhole"),
    ),
    EmulatedService(
        code="STREETLIGHT",
        name="Street light out",
        description="A street light that is dark, flickering or damaged.",
        keywords=("streetlight", "street light", "lamp post"),
        agency="Street Lighting",
        attributes=(
            {
                "variable": True,
                "code": "POLE_ID",
                "datatype": "string",
                "required": True,
                "datatype_description": "The number on the metal tag of the pole.",
                "order": 1,
                "description": "Pole number",
            },
            {
                "variable": False,
                "code": "NOTE",
                "datatype": "text",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": "Lights on private property are not covered.",
            },
        ),
    ),
    EmulatedService(
        code="GRAFFITI",
        name="Graffiti removal",
        description="Graffiti on public property; handled in a nightly batch.",
        type="batch",
        group="sanitation",
        keywords=("graffiti", "tagging", "vandalism"),
        agency="Sanitation",
    ),
)


@dataclass(slots=True)
class _StoredRequest:
    request_id: str | None
    token: str | None
    service: EmulatedService
    form: list[tuple[str, str]]
    requested: datetime
    status: str = "open"
    status_notes: str | None = None
    updated: datetime | None = None
    token_polls: int = 0

    def value(self, name: str) -> str | None:
        for key, val in self.form:
            if key == name:
                return val
        return None


@dataclass(slots=True)
class _Fault:
    mode: FaultMode
    remaining: int | None
    delay_s: float


class _CityError(Exception):
    """A spec error answer: HTTP status plus the error array."""

    def __init__(self, status: int, description: str, code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.body = [{"code": code or status, "description": description}]


@dataclass(slots=True)
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class Open311Emulator:
    """An in-process GeoReport v2 server; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        api_key: str = "atdesk-test-key",
        jurisdiction_id: str = "atdesk.example",
        services: Sequence[EmulatedService] = DEFAULT_SERVICES,
        token_polls_before_id: int = 2,
        numeric_ids: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.services = {s.code: s for s in services}
        self.token_polls_before_id = token_polls_before_id
        self.numeric_ids = numeric_ids
        self._clock = clock
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._requests: list[_StoredRequest] = []
        self._next_id = 1001
        self._fault: _Fault | None = None
        self._connections: set[socket.socket] = set()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Scheme, host and port of the listening socket."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def endpoint(self) -> str:
        """What ATDESK_OPEN311_ENDPOINT should be set to."""
        return self.base_url + API_PREFIX

    @property
    def discovery_url(self) -> str:
        """The city's discovery file, as a client would be told about it."""
        return f"{self.base_url}{DISCOVERY_PREFIX}/discovery.json"

    @property
    def control_url(self) -> str:
        """Base of the control API for tests and the demo."""
        return self.base_url + CONTROL_PREFIX

    def start(self) -> Open311Emulator:
        """Serve on a background thread until stop()."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the demo's foreground process) until stop()."""
        self._server.serve_forever(poll_interval=0.2)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        """Remember client connections, so stop() can end idle keep-alive ones too."""
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def stop(self) -> None:
        """Stop serving and release every socket; slow faults in progress end at once."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # A client's pooled keep-alive connection must not outlive this emulator.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Open311Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- control, from Python or through the control API ------------------------------------

    def set_fault(
        self, mode: FaultMode | None, *, count: int | None = None, delay_s: float = 2.0
    ) -> None:
        """Make the next `count` API calls (all, if None) fail in this way; None clears it."""
        with self._lock:
            self._fault = None if mode is None else _Fault(mode, count, delay_s)

    def close_request(self, request_id: str, status_notes: str | None = None) -> None:
        """The city finishes the work: status closed, with its notes."""
        self.update_request(request_id, status="closed", status_notes=status_notes)

    def update_request(self, request_id: str, *, status: str, status_notes: str | None) -> None:
        """Change a request's status as a city worker would; KeyError if the id is unknown."""
        with self._lock:
            stored = self._find(request_id)
            if stored is None:
                raise KeyError(f"no request {request_id} in the emulator")
            stored.status = status
            stored.status_notes = status_notes
            stored.updated = self._clock()

    def resolve_tokens(self) -> None:
        """Run the nightly batch now: every pending token gets its request id."""
        with self._lock:
            for stored in self._requests:
                if stored.request_id is None:
                    self._assign_id(stored)

    def stored_requests(self) -> list[dict[str, Any]]:
        """Every request received, with the raw form fields, for tests to inspect."""
        with self._lock:
            return [
                {
                    "service_request_id": s.request_id,
                    "token": s.token,
                    "service_code": s.service.code,
                    "status": s.status,
                    "status_notes": s.status_notes,
                    "form": [list(pair) for pair in s.form],
                }
                for s in self._requests
            ]

    def reset(self) -> None:
        """Forget every request and fault."""
        with self._lock:
            self._requests.clear()
            self._fault = None

    # ---- request handling --------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, body: bytes) -> _Reply:
        """Answer one HTTP request; called from the server's worker threads."""
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.path.startswith(CONTROL_PREFIX + "/"):
            return self._control(method, parts.path[len(CONTROL_PREFIX) :], body)
        match = _RESOURCE.match(parts.path)
        fmt: Format = "xml" if parts.path.endswith(".xml") else "json"
        fault = self._take_fault()
        if fault is not None:
            if fault.mode == "down":
                return _Reply(
                    503,
                    b"<html><body><h1>503 Service Unavailable</h1></body></html>",
                    "text/html",
                    {"Retry-After": "1"},
                )
            if fault.mode == "malformed":
                truncated = (
                    b'[{"service_request_id": "10' if fmt == "json" else b"<service_requests><req"
                )
                return _Reply(200, truncated, _content_type(fmt))
            self._stopping.wait(fault.delay_s)
        try:
            if match is None:
                raise _CityError(404, f"no such resource {parts.path}; paths end in .json or .xml")
            path = match.group("path")
            jurisdiction = _first(query, "jurisdiction_id")
            form = (
                parse_qsl(body.decode("utf-8"), keep_blank_values=True) if method == "POST" else []
            )
            if method == "POST":
                jurisdiction = jurisdiction or _form_value(form, "jurisdiction_id")
            if jurisdiction is not None and jurisdiction != self.jurisdiction_id:
                raise _CityError(404, f"jurisdiction_id {jurisdiction} not found")
            root, data = self._route(method, path, query, form)
            return _Reply(200, _encode(root, data, fmt), _content_type(fmt))
        except _CityError as err:
            return _Reply(err.status, _encode("errors", err.body, fmt), _content_type(fmt))

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        form: list[tuple[str, str]],
    ) -> tuple[str, Any]:
        api = API_PREFIX.strip("/") + "/"
        if (
            path in (f"{DISCOVERY_PREFIX.strip('/')}/discovery", f"{api}discovery")
            and method == "GET"
        ):
            return "discovery", self._discovery()
        if not path.startswith(api):
            raise _CityError(404, f"no such resource /{path}")
        resource = path[len(api) :]
        if method == "POST" and resource == "requests":
            return "service_requests", self._create(form)
        if method != "GET":
            raise _CityError(400, f"{method} is not supported on /{path}")
        if resource == "services":
            return "services", [s.to_wire() for s in self.services.values()]
        if resource.startswith("services/"):
            return "service_definition", self._definition(unquote(resource[len("services/") :]))
        if resource == "requests":
            return "service_requests", self._search(query)
        if resource.startswith("requests/"):
            return "service_requests", [self._get(unquote(resource[len("requests/") :]))]
        if resource.startswith("tokens/"):
            return "service_requests", self._poll_token(unquote(resource[len("tokens/") :]))
        raise _CityError(404, f"no such resource /{path}")

    def _discovery(self) -> dict[str, Any]:
        return {
            "changeset": "2026-11-01T00:00:00Z",
            "contact": "Open311 desk, City of Example, 311@city.example",
            "key_service": "Ask the Open311 desk for an api_key.",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": self.endpoint,
                    "changeset": "2026-11-01T00:00:00Z",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }

    def _definition(self, code: str) -> dict[str, Any]:
        service = self.services.get(code)
        if service is None:
            raise _CityError(404, f"service_code {code} not found")
        if not service.attributes:
            raise _CityError(404, f"service {code} has no service definition (metadata is false)")
        return {"service_code": code, "attributes": [dict(a) for a in service.attributes]}

    def _create(self, form: list[tuple[str, str]]) -> list[dict[str, Any]]:
        key = _form_value(form, "api_key")
        if not key or key != self.api_key:
            raise _CityError(403, "Invalid api_key received")
        code = _form_value(form, "service_code")
        if not code:
            raise _CityError(400, "service_code was not provided")
        service = self.services.get(code)
        if service is None:
            raise _CityError(404, f"service_code {code} not found")
        has_point = bool(_form_value(form, "lat")) and bool(_form_value(form, "long"))
        if not (
            has_point or _form_value(form, "address_string") or _form_value(form, "address_id")
        ):
            raise _CityError(
                400, "a location is required: lat and long, address_string or address_id"
            )
        if has_point:
            _check_point(_form_value(form, "lat") or "", _form_value(form, "long") or "")
        description = _form_value(form, "description") or ""
        if len(description) > MAX_DESCRIPTION:
            raise _CityError(400, f"description is longer than {MAX_DESCRIPTION} characters")
        if re.search(r"<[a-zA-Z/][^>]*>", description):
            raise _CityError(400, "description must be plain text without HTML")
        _check_attributes(service, form)
        with self._lock:
            stored = _StoredRequest(None, None, service, form, self._clock())
            self._requests.append(stored)
            if service.type == "batch":
                stored.token = uuid.uuid4().hex[:12]
                return [{"token": stored.token}]
            self._assign_id(stored)
            return [
                {
                    "service_request_id": self._wire_id(stored.request_id),
                    "service_notice": f"{service.agency} usually responds within 3 business days.",
                    "account_id": None,
                }
            ]

    def _poll_token(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            stored = next((s for s in self._requests if s.token == token), None)
            if stored is None:
                raise _CityError(404, f"token {token} not found")
            stored.token_polls += 1
            if stored.request_id is None and stored.token_polls >= self.token_polls_before_id:
                self._assign_id(stored)
            return [{"service_request_id": self._wire_id(stored.request_id), "token": token}]

    def _get(self, request_id: str) -> dict[str, Any]:
        with self._lock:
            stored = self._find(request_id)
            if stored is None:
                raise _CityError(404, f"service_request_id {request_id} not found")
            return self._to_wire(stored)

    def _search(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        ids = [
            i.strip() for i in (_first(query, "service_request_id") or "").split(",") if i.strip()
        ]
        with self._lock:
            visible = [s for s in self._requests if s.request_id is not None]
            if ids:
                # The spec: a list of ids overrides every other filter.
                return [self._to_wire(s) for s in visible if s.request_id in ids][:MAX_RESULTS]
            end = _parse_date(_first(query, "end_date")) or self._clock()
            start = _parse_date(_first(query, "start_date")) or end - MAX_SPAN
            if end - start > MAX_SPAN:
                raise _CityError(400, "start_date and end_date may span at most 90 days")
            codes = set(filter(None, (_first(query, "service_code") or "").split(",")))
            statuses = set(filter(None, (_first(query, "status") or "").split(",")))
            found = [
                s
                for s in visible
                if start <= s.requested <= end
                and (not codes or s.service.code in codes)
                and (not statuses or s.status in statuses)
            ]
            found.sort(key=lambda s: s.requested, reverse=True)
            return [self._to_wire(s) for s in found[:MAX_RESULTS]]

    def _find(self, request_id: str) -> _StoredRequest | None:
        return next((s for s in self._requests if s.request_id == request_id), None)

    def _assign_id(self, stored: _StoredRequest) -> None:
        stored.request_id = str(self._next_id)
        self._next_id += 1

    def _wire_id(self, request_id: str | None) -> str | int | None:
        if request_id is not None and self.numeric_ids:
            return int(request_id)
        return request_id

    def _to_wire(self, stored: _StoredRequest) -> dict[str, Any]:
        lat, long = stored.value("lat"), stored.value("long")
        return {
            "service_request_id": self._wire_id(stored.request_id),
            "status": stored.status,
            "status_notes": stored.status_notes,
            "service_name": stored.service.name,
            "service_code": stored.service.code,
            "description": stored.value("description"),
            "agency_responsible": stored.service.agency,
            "service_notice": None,
            "requested_datetime": _w3c(stored.requested),
            "updated_datetime": _w3c(stored.updated or stored.requested),
            "expected_datetime": _w3c(stored.requested + timedelta(days=3)),
            "address": stored.value("address_string"),
            "address_id": stored.value("address_id"),
            "zipcode": None,
            "lat": float(lat) if lat else None,
            "long": float(long) if long else None,
            "media_url": stored.value("media_url"),
        }

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            fault = self._fault
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._fault = None
            return replace(fault)

    def _control(self, method: str, path: str, body: bytes) -> _Reply:
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json_reply(400, {"error": "control calls take a JSON object"})
        if not isinstance(payload, dict):
            return _json_reply(400, {"error": "control calls take a JSON object"})
        if method == "GET" and path == "/requests":
            return _json_reply(200, self.stored_requests())
        if method != "POST":
            return _json_reply(405, {"error": "control calls are POST, except GET /requests"})
        if path == "/fault":
            mode = payload.get("mode")
            if mode not in ("down", "slow", "malformed", "none", None):
                return _json_reply(400, {"error": "mode is down, slow, malformed or none"})
            count = payload.get("count")
            self.set_fault(
                None if mode in ("none", None) else mode,
                count=int(count) if count is not None else None,
                delay_s=float(payload.get("delay_s", 2.0)),
            )
            return _json_reply(200, {"ok": True})
        if path == "/reset":
            self.reset()
            return _json_reply(200, {"ok": True})
        if path == "/tokens/resolve":
            self.resolve_tokens()
            return _json_reply(200, {"ok": True})
        closing = re.fullmatch(r"/requests/([^/]+)/close", path)
        if closing:
            try:
                self.close_request(unquote(closing.group(1)), payload.get("status_notes"))
            except KeyError as exc:
                return _json_reply(404, {"error": str(exc)})
            return _json_reply(200, {"ok": True})
        return _json_reply(404, {"error": f"no control call {path}"})


def _handler_for(emulator: Open311Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One buffered write per response and no Nagle delay, so keep-alive calls stay fast.
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            emulator.track(self.connection, open_=True)

        def finish(self) -> None:
            emulator.track(self.connection, open_=False)
            super().finish()

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = emulator.handle(method, self.path, body)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            """Tests and the demo read the control API, not an access log."""

    return Handler


def _check_point(lat: str, long: str) -> None:
    try:
        lat_f, long_f = float(lat), float(long)
    except ValueError:
        raise _CityError(400, "lat and long must be numbers (WGS84)") from None
    if not (-90 <= lat_f <= 90 and -180 <= long_f <= 180):
        raise _CityError(400, "lat must be within -90..90 and long within -180..180")


def _check_attributes(service: EmulatedService, form: list[tuple[str, str]]) -> None:
    given: dict[str, list[str]] = {}
    for key, value in form:
        found = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if found:
            given.setdefault(found.group(1), []).append(value)
    by_code = {a["code"]: a for a in service.attributes}
    for attr in service.attributes:
        if (
            attr["required"]
            and attr["variable"]
            and not any(v.strip() for v in given.get(attr["code"], []))
        ):
            raise _CityError(400, f"attribute[{attr['code']}] is required for {service.code}")
    for code, values in given.items():
        known = by_code.get(code)
        if known is None:
            raise _CityError(400, f"service {service.code} has no attribute {code}")
        allowed = {v["key"] for v in known.get("values", [])}
        if allowed and any(v not in allowed for v in values):
            raise _CityError(400, f"attribute[{code}] must be one of {', '.join(sorted(allowed))}")


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _form_value(form: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in form if k == name), None)


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _CityError(400, f"{text} is not a W3C date-time with an offset") from None
    if parsed.tzinfo is None:
        raise _CityError(400, f"{text} lacks a timezone offset")
    return parsed


def _w3c(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _content_type(fmt: Format) -> str:
    return "application/json; charset=utf-8" if fmt == "json" else "text/xml; charset=utf-8"


def _json_reply(status: int, data: Any) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"), "application/json")


def _encode(root: str, data: Any, fmt: Format) -> bytes:
    if fmt == "json":
        return json.dumps(data).encode("utf-8")
    element = _xml_element(root, data)
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>' + document


def _xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, list):
        item_tag = _XML_ITEM.get(tag, "item")
        for item in value:
            element.append(_xml_element(item_tag, item))
    elif isinstance(value, dict):
        for key, item in value.items():
            element.append(_xml_element(key, item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted, printing the endpoint and api_key to configure atdesk with."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--api-key", default="atdesk-test-key")
    args = parser.parse_args(argv)
    emulator = Open311Emulator(host=args.host, port=args.port, api_key=args.api_key)
    print(f"ATDESK_OPEN311_ENDPOINT={emulator.endpoint}")
    print(f"ATDESK_OPEN311_API_KEY={emulator.api_key}")
    print(f"control API: {emulator.control_url}", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
