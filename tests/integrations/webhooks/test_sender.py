"""Delivery outcomes: delivered on 2xx, retry on transient trouble, give up on permanent refusal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from atdesk.domain.retry import BackoffPolicy
from atdesk.integrations.webhooks import (
    SIGNATURE_HEADER,
    Delivered,
    GiveUp,
    RetryLater,
    SignatureError,
    WebhookEvent,
    deliver,
    verify,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVENT = WebhookEvent(
    id="evt_1",
    type="callback.requested",
    created_at=NOW,
    data={"callback_id": "cb_9", "window": {"start": "2026-11-24T17:00:00Z"}},
)
POLICY = BackoffPolicy(base_s=10, cap_s=100, max_attempts=3, jitter=0.0)


def _client(status: int, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(status, headers=headers))
    )


def _send(http: httpx.Client, attempt: int = 1) -> object:
    return deliver(
        "https://dialer.example/hook",
        EVENT,
        secret="s3cret",
        attempt=attempt,
        http=http,
        now=NOW,
        policy=POLICY,
    )


def test_body_is_stable_json_with_utc_time() -> None:
    assert EVENT.body() == EVENT.body()
    assert b'"created_at":"2026-11-23T12:00:00Z"' in EVENT.body()


@pytest.mark.parametrize("status", [200, 202, 204])
def test_2xx_is_delivered(status: int) -> None:
    assert _send(_client(status)) == Delivered(status)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 401, 403])
def test_transient_answers_are_retried_on_the_schedule(status: int) -> None:
    assert _send(_client(status), attempt=2) == RetryLater(
        20.0, f"the endpoint answered {status}", status
    )


def test_retry_after_is_honoured() -> None:
    outcome = _send(_client(503, {"Retry-After": "90"}))
    assert isinstance(outcome, RetryLater)
    assert outcome.after_s == 90.0


@pytest.mark.parametrize("status", [400, 404, 410, 413, 422])
def test_permanent_refusals_give_up(status: int) -> None:
    outcome = _send(_client(status))
    assert isinstance(outcome, GiveUp)
    assert outcome.status_code == status


def test_redirect_gives_up_naming_the_new_place() -> None:
    outcome = _send(_client(301, {"Location": "https://new.example/hook"}))
    assert isinstance(outcome, GiveUp)
    assert "new.example" in outcome.reason


def test_last_attempt_gives_up() -> None:
    outcome = _send(_client(500), attempt=3)
    assert isinstance(outcome, GiveUp)
    assert "3 attempts" in outcome.reason


def test_timeouts_and_refused_connections_retry() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler in (time_out, refuse):
        outcome = _send(httpx.Client(transport=httpx.MockTransport(handler)))
        assert isinstance(outcome, RetryLater)
        assert outcome.status_code is None


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((dict(self.headers.items()), body))
        try:
            verify(body, self.headers.get(SIGNATURE_HEADER), "s3cret", now=datetime.now(UTC))
        except SignatureError:
            self.send_response(401)
        else:
            self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def test_real_receiver_refuses_a_wrong_secret(receiver: str) -> None:
    with httpx.Client() as http:
        outcome = deliver(receiver, EVENT, secret="wrong", attempt=1, http=http)
    assert isinstance(outcome, RetryLater)
    assert outcome.status_code == 401


def test_real_receiver_verifies_the_signature(receiver: str) -> None:
    _Receiver.received.clear()
    with httpx.Client() as http:
        outcome = deliver(receiver, EVENT, secret="s3cret", attempt=1, http=http)

    assert outcome == Delivered(204)
    headers, body = _Receiver.received[0]
    assert body == EVENT.body()
    assert headers["X-Atdesk-Event"] == "callback.requested"
    assert headers["X-Atdesk-Delivery"] == "evt_1"
