"""The CRM lookup webhook: found, unknown customer, and every way the CRM can fail."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from atdesk.integrations.identity import (
    CrmCustomer,
    CustomerFound,
    LookupFailed,
    UnknownCustomer,
    lookup_customer,
)
from atdesk.integrations.webhooks import SIGNATURE_HEADER, verify

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _ask(handler: httpx.MockTransport) -> object:
    with httpx.Client(transport=handler) as http:
        return lookup_customer(
            "https://crm.example/atdesk/lookup",
            secret="crm-secret",
            network="x",
            handle="dana_s",
            author_native_id="2244994945",
            http=http,
            now=NOW,
        )


def test_known_handle_returns_the_record_and_the_request_is_signed() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        record = {"external_id": 42, "name": "Dana Smith", "phone": "+15551234567", "tier": "gold"}
        return httpx.Response(200, json={"customer": record})

    outcome = _ask(httpx.MockTransport(answer))

    assert outcome == CustomerFound(
        CrmCustomer(
            external_id="42",
            name="Dana Smith",
            email=None,
            phone="+15551234567",
            extra={"tier": "gold"},
        )
    )
    request = seen[0]
    assert json.loads(request.content) == {
        "network": "x",
        "handle": "dana_s",
        "author_id": "2244994945",
    }
    verify(request.content, request.headers[SIGNATURE_HEADER], "crm-secret", now=NOW)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404),
        httpx.Response(200, json={"customer": None}),
        httpx.Response(200, json={}),
    ],
)
def test_unknown_customer(response: httpx.Response) -> None:
    assert _ask(httpx.MockTransport(lambda request: response)) == UnknownCustomer()


@pytest.mark.parametrize(
    ("response", "retryable"),
    [
        (httpx.Response(503), True),
        (httpx.Response(429), True),
        (httpx.Response(401), False),
        (httpx.Response(400), False),
        (httpx.Response(200, text="<html>"), False),
        (httpx.Response(200, json={"customer": {"name": "no id"}}), False),
    ],
)
def test_failures_say_whether_to_retry(response: httpx.Response, retryable: bool) -> None:
    outcome = _ask(httpx.MockTransport(lambda request: response))
    assert isinstance(outcome, LookupFailed)
    assert outcome.retryable is retryable


def test_timeouts_and_connection_errors_are_retryable() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler in (time_out, refuse):
        outcome = _ask(httpx.MockTransport(handler))
        assert isinstance(outcome, LookupFailed)
        assert outcome.retryable
