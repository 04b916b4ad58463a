"""Account Activity delivery for the X emulator: CRC checks and signed POSTs to webhooks."""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from atdesk.channels.base import tls_context
from atdesk.channels.x.webhooks import SIGNATURE_HEADER, crc_response, signature_of


@dataclass(slots=True)
class Webhook:
    """A registered webhook and the users subscribed to it."""

    id: str
    url: str
    valid: bool
    created_at: str
    subscribers: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook POST the emulator made, and how the receiver answered."""

    url: str
    body: bytes
    status: int | None
    error: str | None = None

    def payload(self) -> dict[str, Any]:
        """The delivered JSON."""
        result: dict[str, Any] = json.loads(self.body)
        return result


def crc_ok(url: str, consumer_secret: str) -> bool:
    """Challenge a webhook URL as X does and check its `response_token`."""
    token = secrets.token_urlsafe(16)
    try:
        response = httpx.get(url, params={"crc_token": token}, timeout=3.0, verify=tls_context())
        answer = response.json().get("response_token")
    except (httpx.HTTPError, ValueError, AttributeError):
        return False
    expected = crc_response(consumer_secret, token)["response_token"]
    return response.status_code == 200 and answer == expected


class Deliverer:
    """Posts signed deliveries from one background thread, in order, and logs the answers."""

    def __init__(self, consumer_secret: str) -> None:
        self.consumer_secret = consumer_secret
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="x-webhooks", daemon=True)
        self._thread.start()

    def send(self, url: str, body: bytes) -> None:
        """Queue one delivery."""
        self._queue.put((url, body))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued delivery was attempted."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def log(self) -> list[Delivery]:
        """Deliveries so far."""
        with self._lock:
            return list(self.deliveries)

    def _run(self) -> None:
        with httpx.Client(timeout=5.0, verify=tls_context()) as http:
            while True:
                url, body = self._queue.get()
                headers = {
                    "content-type": "application/json",
                    SIGNATURE_HEADER: signature_of(self.consumer_secret, body),
                }
                try:
                    status: int | None = http.post(url, content=body, headers=headers).status_code
                    error = None
                except httpx.HTTPError as exc:
                    status, error = None, str(exc)
                with self._lock:
                    self.deliveries.append(Delivery(url, body, status, error))
                self._queue.task_done()
