"""A synchronous GeoReport v2 client: one method per call of the spec, errors mapped once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from atdesk.domain.retry import parse_retry_after
from atdesk.integrations.open311 import wire
from atdesk.integrations.open311.errors import (
    CityError,
    Open311BadResponse,
    Open311ConfigError,
    Open311Error,
    Open311NotFound,
    Open311Rejected,
    Open311Unavailable,
)
from atdesk.integrations.open311.form import encode_form
from atdesk.integrations.open311.schemas import (
    Discovery,
    NewServiceRequest,
    RequestStatus,
    Service,
    ServiceDefinition,
    ServiceRequest,
    SubmitReceipt,
)
from atdesk.integrations.open311.wire import Format

USER_AGENT = "atdesk-open311/1"
DEFAULT_TIMEOUT_S = 10.0


class Open311Client:
    """Talks to one city endpoint (e.g. https://city.example/open311/v2) in JSON or XML."""

    def __init__(
        self,
        endpoint: str,
        *,
        api_key: str | None = None,
        jurisdiction_id: str | None = None,
        fmt: Format = "json",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http: httpx.Client | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.fmt: Format = fmt
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout_s, headers={"User-Agent": USER_AGENT})

    def __enter__(self) -> Open311Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool if this client created it."""
        if self._owns_http:
            self._http.close()

    def services(self) -> list[Service]:
        """The request types the city accepts, for mapping posts to service codes."""
        return wire.parse_services(self._get("services"))

    def service_definition(self, service_code: str) -> ServiceDefinition:
        """The extra attributes of a service whose `metadata` is true."""
        return wire.parse_service_definition(self._get(f"services/{_segment(service_code)}"))

    def submit(self, request: NewServiceRequest) -> SubmitReceipt:
        """Create a service request; a batch service answers with a token to resolve later."""
        if not self.api_key:
            raise Open311ConfigError(
                "no api_key configured; set ATDESK_OPEN311_API_KEY (ask the city's key service)"
            )
        fields = encode_form(request, api_key=self.api_key, jurisdiction_id=self.jurisdiction_id)
        data = self._send(
            "POST",
            self._url("requests"),
            content=urlencode(fields).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        return wire.parse_receipt(data)

    def resolve_token(self, token: str) -> str | None:
        """The service_request_id behind a batch token, or None while the city has not made one."""
        try:
            return wire.parse_token(self._get(f"tokens/{_segment(token)}"))
        except Open311NotFound:
            # Several servers answer 404 until the batch has run; that is "not yet", not "never".
            return None

    def get_request(self, service_request_id: str) -> ServiceRequest:
        """One request's current status, for telling the reporter when the city closes it."""
        found = wire.parse_requests(self._get(f"requests/{_segment(service_request_id)}"))
        if not found:
            raise Open311NotFound(
                f"the city knows no request {service_request_id}; check the id stored on the case",
                status_code=200,
            )
        return found[0]

    def find_requests(
        self,
        *,
        ids: Iterable[str] = (),
        service_code: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        status: Iterable[RequestStatus] = (),
    ) -> list[ServiceRequest]:
        """GET requests with the spec's filters; `ids` overrides every other filter."""
        params: dict[str, str] = {}
        id_list = [str(i) for i in ids]
        if id_list:
            params["service_request_id"] = ",".join(id_list)
        if service_code:
            params["service_code"] = service_code
        if start:
            params["start_date"] = _w3c(start)
        if end:
            params["end_date"] = _w3c(end)
        statuses = [s.value for s in status]
        if statuses:
            params["status"] = ",".join(statuses)
        return wire.parse_requests(self._get("requests", params))

    def _url(self, resource: str) -> str:
        return f"{self.endpoint}/{resource}.{self.fmt}"

    def _get(self, resource: str, params: dict[str, str] | None = None) -> Any:
        query = dict(params or {})
        if self.jurisdiction_id:
            query["jurisdiction_id"] = self.jurisdiction_id
        return self._send("GET", self._url(resource), params=query)

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise Open311Unavailable(f"{method} {url} timed out; retry later") from exc
        except httpx.RequestError as exc:
            raise Open311Unavailable(f"{method} {url} failed ({exc}); retry later") from exc
        return _check(response, self.fmt)


def fetch_discovery(
    url: str, *, http: httpx.Client | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Discovery:
    """Read a city's discovery file (JSON or XML by the URL's suffix) to find its endpoint."""
    fmt: Format = "xml" if url.lower().split("?")[0].endswith(".xml") else "json"
    client = http or httpx.Client(timeout=timeout_s, headers={"User-Agent": USER_AGENT})
    try:
        response = client.get(url)
    except httpx.RequestError as exc:
        raise Open311Unavailable(f"GET {url} failed ({exc}); retry later") from exc
    finally:
        if http is None:
            client.close()
    return wire.parse_discovery(_check(response, fmt))


def _check(response: httpx.Response, fmt: Format) -> Any:
    """Map an HTTP answer to data or to the error that says what to do next."""
    status = response.status_code
    if 200 <= status < 300:
        return wire.decode_body(response.content, fmt)
    errors = _errors_of(response, fmt)
    said = "; ".join(e.description for e in errors if e.description) or response.reason_phrase
    where = f"{response.request.method} {response.request.url}"
    if status == 403:
        raise Open311ConfigError(
            f"{where}: the city refused the api_key ({said}); fix ATDESK_OPEN311_API_KEY",
            status_code=status,
            errors=errors,
        )
    if status == 404:
        raise Open311NotFound(
            f"{where}: not found ({said}); check the service code, request id or jurisdiction",
            status_code=status,
            errors=errors,
        )
    if status in (408, 425, 429) or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=datetime.now(UTC))
        raise Open311Unavailable(
            f"{where}: the city's server answered {status} ({said}); retry later",
            status_code=status,
            errors=errors,
            retry_after_s=retry_after,
        )
    if 300 <= status < 400:
        moved = response.headers.get("Location", "an unknown address")
        raise Open311ConfigError(
            f"{where}: the endpoint moved to {moved}; update ATDESK_OPEN311_ENDPOINT",
            status_code=status,
        )
    if 400 <= status < 500:
        raise Open311Rejected(
            f"{where}: the city refused the request ({said}); hand the case to an agent",
            status_code=status,
            errors=errors,
        )
    raise Open311BadResponse(f"{where}: unexpected HTTP {status}; retry later", status_code=status)


def _errors_of(response: httpx.Response, fmt: Format) -> tuple[CityError, ...]:
    try:
        return wire.parse_errors(wire.decode_body(response.content, fmt))
    except Open311Error:
        # An HTML error page from a proxy carries no error array; the status alone decides.
        return ()


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def _w3c(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("Open311 dates need a timezone; pass an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
