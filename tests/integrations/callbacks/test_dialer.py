"""The brief's first example end to end: a callback request becomes a signed dialer event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from atdesk.integrations.callbacks import CallbackEventType, dialer_event, resolve_callback_window
from atdesk.integrations.webhooks import SIGNATURE_HEADER, Delivered, deliver, verify

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)


def test_callback_request_reaches_the_dialer_signed() -> None:
    window = resolve_callback_window(
        "@BofA I have a question about my latest statement, please call me tomorrow after 5",
        created_at=NOW,
        tz=ZoneInfo("America/New_York"),
    )
    assert window is not None
    event = dialer_event(
        event_id="evt-1",
        event_type=CallbackEventType.REQUESTED,
        callback_id="cb-7",
        case_id="case-3",
        window=window,
        reason="Question about the latest statement",
        customer_id="cust-42",
        customer_name="Dana Smith",
        phone="+15551234567",
        now=NOW,
    )
    received: list[httpx.Request] = []

    def dialer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(202)

    with httpx.Client(transport=httpx.MockTransport(dialer)) as http:
        outcome = deliver(
            "https://dialer.example/hook", event, secret="d", attempt=1, http=http, now=NOW
        )

    assert outcome == Delivered(202)
    request = received[0]
    verify(request.content, request.headers[SIGNATURE_HEADER], "d", now=NOW)
    body = json.loads(request.content)
    assert body["type"] == "callback.requested"
    assert body["data"]["window"] == {
        "start": "2026-11-24T22:00:00Z",
        "end": "2026-11-25T01:00:00Z",
        "requested_by_customer": True,
        "phrase": "tomorrow, after 5",
    }
    assert body["data"]["customer"]["phone"] == "+15551234567"
    assert body["data"]["callback_id"] == "cb-7"
