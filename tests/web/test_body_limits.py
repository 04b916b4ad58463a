"""Request bodies are capped before they are read: an unsigned 500 MB POST to /webhooks/x is
refused without being read, a chunked one is cut at the cap, forms and the JSON API take 1 MiB."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from atdesk.config import Settings
from atdesk.web.app import create_app
from atdesk.web.bodylimits import (
    DEFAULT_CAP,
    EVENTS_API_CAP,
    MIB,
    X_WEBHOOK_CAP,
    BodyLimits,
    in_words,
)
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import Workspace, seed
from tests.web.server import serving

HALF_A_GIGABYTE = 500 * 1000 * 1000
CHUNK = 64 * 1024


@dataclass
class Sent:
    """What the app answered, and how much of the body it pulled from the sender."""

    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    consumed: int = 0


def huge_body(total: int = HALF_A_GIGABYTE) -> Iterator[bytes]:
    """Half a gigabyte, made only as fast as it is read."""
    for _ in range(total // CHUNK):
        yield b"x" * CHUNK


def post_streaming(
    app: FastAPI, path: str, chunks: Iterator[bytes], headers: dict[str, str]
) -> Sent:
    """One POST through the ASGI app, the body pulled chunk by chunk and counted."""
    sent = Sent()

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent.consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return sent


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    seed(settings)
    return create_app(settings, outbox=RecordingOutbox())


def test_a_declared_half_gigabyte_webhook_post_is_refused_without_reading_it(
    app: FastAPI,
) -> None:
    sent = post_streaming(
        app,
        "/webhooks/x",
        huge_body(),
        {"content-type": "application/json", "content-length": str(HALF_A_GIGABYTE)},
    )
    assert sent.status == 413
    assert sent.consumed == 0, "not one byte of the body was read"
    assert f"at most 4 MiB ({X_WEBHOOK_CAP} bytes)" in json.loads(sent.body)["detail"]
    assert sent.headers["x-frame-options"] == "DENY", "a refusal carries the headers too"


def test_a_chunked_half_gigabyte_webhook_post_is_cut_at_the_cap(app: FastAPI) -> None:
    sent = post_streaming(app, "/webhooks/x", huge_body(), {"content-type": "application/json"})
    assert sent.status == 413
    assert X_WEBHOOK_CAP < sent.consumed <= X_WEBHOOK_CAP + CHUNK, "read up to the cap, no more"


def test_a_chunked_form_post_is_cut_at_one_mebibyte(app: FastAPI) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    sent = post_streaming(app, "/login", huge_body(), form)
    assert sent.status == 413
    assert sent.consumed <= DEFAULT_CAP + CHUNK


def test_forms_and_the_json_api_take_one_mebibyte(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    too_big = "x" * (DEFAULT_CAP + 1)
    assert ana.post("/login", data={"username": "ana", "password": too_big}).status_code == 413
    assert ana.post("/cases/1/notes", data={"body": too_big}).status_code == 413
    answer = ana.post("/api/v1/saved-views", json={"name": "big", "filters": {"q": too_big}})
    assert answer.status_code == 413
    assert "at most 1 MiB" in answer.json()["detail"]
    fits = ana.post("/api/v1/saved-views", json={"name": "mine", "filters": {}})
    assert fits.status_code != 413, fits.text


def test_a_signed_delivery_under_the_cap_is_not_refused_for_its_size(app: FastAPI) -> None:
    body = json.dumps({"for_user_id": "1", "padding": "x" * (2 * MIB)}).encode()
    answer = TestClient(app).post(
        "/webhooks/x", content=body, headers={"x-twitter-webhooks-signature": "sha256=AAAA"}
    )
    assert answer.status_code in (401, 403), "2 MiB reaches the signature check"


def test_a_content_length_that_is_not_a_number_is_refused(app: FastAPI) -> None:
    sent = post_streaming(app, "/login", iter([b"a=b"]), {"content-length": "12, 13"})
    assert sent.status == 400 and sent.consumed == 0


def test_each_address_gets_its_cap() -> None:
    limits = BodyLimits(FastAPI())
    assert limits.cap_for("/webhooks/x") == X_WEBHOOK_CAP == 4 * MIB
    assert limits.cap_for("/api/v1/events") == EVENTS_API_CAP == 16 * MIB
    assert limits.cap_for("/webhooks/xyz") == DEFAULT_CAP == MIB
    assert limits.cap_for("/api/v1/eventsource") == DEFAULT_CAP
    assert limits.cap_for("/login") == DEFAULT_CAP
    assert (in_words(MIB), in_words(512 * 1024), in_words(900)) == ("1 MiB", "512 KiB", "900 bytes")


def test_over_a_real_socket_the_refusal_comes_before_the_body_is_sent(app: FastAPI) -> None:
    """The server answers 413 to the headers alone; the client never has to send the 500 MB."""
    with serving(app) as base:
        address = urlsplit(base)
        with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
            conn.sendall(
                b"POST /webhooks/x HTTP/1.1\r\nHost: atdesk\r\n"
                b"Content-Type: application/json\r\n"
                + f"Content-Length: {HALF_A_GIGABYTE}\r\n\r\n".encode()
            )
            answer = b""
            while b"\r\n\r\n" not in answer:
                piece = conn.recv(4096)
                assert piece, "the server closed without answering"
                answer += piece
    assert answer.startswith(b"HTTP/1.1 413 ")
