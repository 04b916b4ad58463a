"""A small threaded HTTP/1.1 server on a real loopback socket, shared by the emulators.

Built on the standard library so it can hold long-lived chunked streams and SSE in a
thread per connection, drop a connection abruptly, or stall it, which is what the fault
tests need; a framework would hide exactly those details.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)


class ClientGone(Exception):
    """The client closed a streaming connection."""


@dataclass(slots=True)
class Request:
    """One parsed request; header names are lower-case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (`reasons=a&reasons=b`, `types[]=a`)."""
        return self.query.get(name, []) + self.query.get(f"{name}[]", [])

    def json(self) -> Any:
        """The body as JSON; raises BadRequest otherwise."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("body is not valid JSON") from None

    def form(self) -> dict[str, list[str]]:
        """A form-encoded body."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def bearer(self) -> str | None:
        """The token of `Authorization: Bearer <token>`."""
        value = self.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


class BadRequest(Exception):
    """A request the emulator refuses before routing (bad JSON, bad parameters)."""


class StreamWriter:
    """Writes a chunked body; `abort` cuts the connection without a proper end."""

    def __init__(self, handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
        self._handler = handler
        self.stopping = stopping
        self.aborted = False

    def write(self, data: bytes) -> None:
        """Send one chunk now; raises ClientGone when the client hung up."""
        if not data:
            return
        try:
            self._handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self._handler.wfile.flush()
        except OSError as exc:
            raise ClientGone(str(exc)) from None

    def client_closed(self) -> bool:
        """True once the client hung up (checked without writing, for silent stalls)."""
        sock = self._handler.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def stall(self, seconds: float) -> None:
        """Send nothing for `seconds` (not even keep-alives); stop early if the client leaves."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stopping.is_set():
            if self.client_closed():
                raise ClientGone("client closed during a stall")
            self.stopping.wait(0.05)

    def finish(self) -> None:
        """End the chunked body properly."""
        try:
            self._handler.wfile.write(b"0\r\n\r\n")
            self._handler.wfile.flush()
        except OSError:
            pass

    def abort(self) -> None:
        """Drop the TCP connection mid-stream, as a crashed proxy would."""
        self.aborted = True
        with contextlib.suppress(OSError):
            self._handler.connection.shutdown(socket.SHUT_RDWR)
        self._handler.close_connection = True


@dataclass(slots=True)
class Response:
    """What a route answers: a body, or a chunked `stream`, or `drop` (no answer at all)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: Callable[[StreamWriter], None] | None = None
    drop: bool = False


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON answer."""
    merged = {"content-type": "application/json; charset=utf-8", **dict(headers or {})}
    return Response(status, json.dumps(data).encode("utf-8"), merged)


Handler = Callable[[Request], Response]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = self.server.app(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is not None:
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            writer = StreamWriter(self, self.server.stopping)
            try:
                response.stream(writer)
            except ClientGone:
                self.close_connection = True
                return
            if not writer.aborted:
                writer.finish()
            self.close_connection = True
            return
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Handler) -> None:
        super().__init__(address, _RequestHandler)
        self.app = app
        self.stopping = threading.Event()


class HttpServer:
    """Runs `app` on host:port (0 = any free port) in a background thread."""

    def __init__(self, app: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), app)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked)."""
        return int(self._server.server_address[1])

    @property
    def stopping(self) -> threading.Event:
        """Set when the server shuts down, so streams end."""
        return self._server.stopping

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, end streams, free the port."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
