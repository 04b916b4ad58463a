"""What every network emulator shares: routing, fault injection, a control API, a log.

Control endpoints live under `/_emulator/` and never take faults:
`GET|POST|DELETE /_emulator/faults`, `GET /_emulator/requests`, plus each network's own
(inject a customer post, read the outbox).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from types import TracebackType
from typing import Any, ClassVar, Self

from atdesk.emulators.faults import REQUEST_FAULTS, Fault, FaultInjector, FaultKind
from atdesk.emulators.server import BadRequest, HttpServer, Request, Response, json_response

log = logging.getLogger(__name__)

RouteHandler = Callable[..., Response]


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the emulator answered it, for assertions."""

    method: str
    path: str
    status: int
    at: float


class Emulator:
    """Base class: subclasses register routes and say how their network spells errors."""

    name: ClassVar[str] = "emulator"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, validate: bool = True) -> None:
        self.lock = threading.RLock()
        self.faults = FaultInjector()
        self.validate = validate
        self.validation_errors: list[str] = []
        self.requests: list[LoggedRequest] = []
        self._routes: list[tuple[str, re.Pattern[str], RouteHandler]] = []
        self._control: list[tuple[str, re.Pattern[str], RouteHandler]] = []
        self._server: HttpServer | None = None
        self._host, self._port = host, port
        self.control("GET", "/_emulator/faults", self._list_faults)
        self.control("POST", "/_emulator/faults", self._add_fault)
        self.control("DELETE", "/_emulator/faults", self._clear_faults)
        self.control("GET", "/_emulator/requests", self._list_requests)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on the loopback socket in a background thread."""
        self._server = HttpServer(self, self._host, self._port)
        self._server.start()
        log.info("%s emulator listening on %s", self.name, self.base_url)
        return self

    def stop(self) -> None:
        """Close every connection and the socket."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` once started."""
        if self._server is None:
            raise RuntimeError(f"{self.name} emulator is not started")
        return f"http://{self._server.host}:{self._server.port}"

    @property
    def stopping(self) -> threading.Event:
        """Set while shutting down, so streams end."""
        if self._server is None:
            return threading.Event()
        return self._server.stopping

    # --- routing -------------------------------------------------------------------------

    @staticmethod
    def _compile(pattern: str) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def route(self, method: str, pattern: str, handler: RouteHandler) -> None:
        """Serve `pattern` (with `{name}` segments) through `handler(request, **segments)`."""
        self._routes.append((method.upper(), self._compile(pattern), handler))

    def control(self, method: str, pattern: str, handler: RouteHandler) -> None:
        """A control endpoint: no faults, no validation."""
        self._control.append((method.upper(), self._compile(pattern), handler))

    def __call__(self, request: Request) -> Response:
        """Answer one request (called from a server thread)."""
        response = self._answer(request)
        with self.lock:
            self.requests.append(
                LoggedRequest(request.method, request.path, response.status, time.time())
            )
        return response

    def _answer(self, request: Request) -> Response:
        if request.path.startswith("/_emulator/"):
            return self._dispatch(self._control, request) or json_response(
                {"error": f"no control endpoint {request.method} {request.path}"}, 404
            )
        fault = self.faults.take(request.method, request.path, REQUEST_FAULTS)
        if fault is not None and fault.kind is FaultKind.SLOW:
            time.sleep(fault.delay)
            fault = None
        if fault is not None and fault.kind is FaultKind.TIMEOUT:
            time.sleep(fault.delay)
            return Response(drop=True)
        if fault is not None and fault.kind is not FaultKind.MALFORMED:
            return self.fault_response(fault, request)
        try:
            response = self._dispatch(self._routes, request) or self.error(
                404, f"no route {request.method} {request.path}"
            )
        except BadRequest as exc:
            response = self.error(400, str(exc))
        except (KeyError, ValueError, TypeError) as exc:
            # An emulator bug, not a network behaviour: answer 500 and fail the test run.
            log.exception("%s emulator failed on %s %s", self.name, request.method, request.path)
            self.note_invalid([f"emulator error on {request.method} {request.path}: {exc!r}"])
            response = self.error(500, "emulator error")
        if fault is not None and fault.kind is FaultKind.MALFORMED and response.stream is None:
            body = response.body or b"{}"
            response.body = body[: max(1, len(body) // 2)]
        return response

    def _dispatch(
        self, table: list[tuple[str, re.Pattern[str], RouteHandler]], request: Request
    ) -> Response | None:
        for method, pattern, handler in table:
            match = pattern.match(request.path)
            if match and method == request.method:
                return handler(request, **match.groupdict())
        return None

    def note_invalid(self, problems: list[str]) -> None:
        """Remember schema problems (tests assert there are none) and log them."""
        if problems:
            with self.lock:
                self.validation_errors.extend(problems)
            for problem in problems:
                log.warning("%s emulator: %s", self.name, problem)

    # --- network-specific hooks ------------------------------------------------------------

    def error(self, status: int, message: str) -> Response:
        """An error body in this network's style."""
        return json_response({"error": message}, status)

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """The answer to an injected request fault."""
        if fault.kind is FaultKind.RATE_LIMIT:
            return self.error(429, "rate limit exceeded")
        if fault.kind is FaultKind.SERVER_ERROR:
            return self.error(fault.status, "injected server error")
        return self.error(
            401, "token expired" if fault.kind is FaultKind.EXPIRED_TOKEN else "revoked"
        )

    # --- control API -----------------------------------------------------------------------

    def _list_faults(self, request: Request) -> Response:
        return json_response({"faults": [f.to_json() for f in self.faults.active()]})

    def _add_fault(self, request: Request) -> Response:
        body = request.json() or {}
        try:
            fault = self.faults.add(
                str(body.get("kind")), **{k: v for k, v in body.items() if k != "kind"}
            )
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"fault": fault.to_json()}, 201)

    def _clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return Response(204)

    def _list_requests(self, request: Request) -> Response:
        with self.lock:
            rows = [
                {"method": r.method, "path": r.path, "status": r.status, "at": r.at}
                for r in self.requests
            ]
        return json_response({"requests": rows})

    # --- helpers for tests -------------------------------------------------------------------

    def count(self, method: str, path_glob: str, status: int | None = None) -> int:
        """How many requests matched (e.g. how many 429s a client received)."""
        with self.lock:
            return sum(
                1
                for r in self.requests
                if r.method == method.upper()
                and fnmatchcase(r.path, path_glob)
                and (status is None or r.status == status)
            )

    def log_of(self, method: str, path_glob: str) -> list[LoggedRequest]:
        """The matching requests, in order."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and fnmatchcase(r.path, path_glob)
            ]


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll `predicate` until it is truthy or the time is up (for tests and the demo)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
