"""Each network's failures map to the same small hierarchy, in one place per client."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from atdesk.channels.base import ChannelDeps
from atdesk.channels.bluesky.errors import map_bluesky_error
from atdesk.channels.errors import (
    AuthExpired,
    AuthRevoked,
    ChannelError,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    NotPermitted,
    RateLimited,
    TransientServerError,
    Unreachable,
    throttled_or_down,
)
from atdesk.channels.http import ApiSession
from atdesk.channels.mastodon.errors import map_mastodon_error
from atdesk.channels.observer import Operation, RecordingObserver
from atdesk.channels.ratelimits import RateLimitBook, parse_bluesky, parse_mastodon, parse_x
from atdesk.channels.x.errors import map_x_error
from atdesk.domain.networks import Network
from atdesk.domain.retry import parse_retry_after
from tests.channels.conftest import RecordingClock

NOW = 1_772_373_909.0


def answer(status: int, body: object = None, **headers: str) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, headers=headers)


def test_rate_limit_headers_of_each_network() -> None:
    x = parse_x(
        {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": "1772374800",
        },
        "m",
    )
    assert x is not None and x.exhausted and x.reset_at == 1772374800.0
    assert x.seconds_until_reset(1772374700.0) == 100.0
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "12",
            "X-RateLimit-Reset": "2026-03-01T14:15:00.000Z",
        }
    )
    mastodon = parse_mastodon(headers, "n")
    assert mastodon is not None and mastodon.remaining == 12 and not mastodon.exhausted
    assert mastodon.reset_at == datetime(2026, 3, 1, 14, 15, tzinfo=UTC).timestamp()
    bluesky = parse_bluesky(
        httpx.Headers(
            {
                "RateLimit-Limit": "3000",
                "RateLimit-Remaining": "2999",
                "RateLimit-Reset": "1772374800",
                "RateLimit-Policy": "3000;w=300",
            }
        ),
        "b",
    )
    assert bluesky is not None and bluesky.limit == 3000 and bluesky.reset_at == 1772374800.0
    assert parse_x({}, "m") is None
    now = datetime.fromtimestamp(NOW, UTC)
    assert parse_retry_after("7", now=now) == 7
    assert parse_retry_after("Sun, 01 Mar 2026 14:05:19 GMT", now=now) == 10
    book = RateLimitBook()
    book.record("brand", x)
    assert book.get("brand", "m") == x and book.of_account("other") == ()


@pytest.mark.parametrize(
    ("mapper", "response", "error"),
    [
        (
            map_x_error,
            answer(
                429, {"title": "Too Many Requests"}, **{"x-rate-limit-reset": str(int(NOW) + 30)}
            ),
            RateLimited,
        ),
        (map_x_error, answer(503, {"title": "Service Unavailable"}), TransientServerError),
        (map_x_error, answer(401, {"title": "Unauthorized", "type": "about:blank"}), AuthExpired),
        (
            map_x_error,
            answer(
                403,
                {
                    "title": "Client Forbidden",
                    "type": "https://api.twitter.com/2/problems/client-forbidden",
                },
            ),
            AuthRevoked,
        ),
        (
            map_x_error,
            answer(403, {"title": "Forbidden", "detail": "Reply not allowed"}),
            NotPermitted,
        ),
        (
            map_x_error,
            answer(400, {"errors": [{"message": "bad since_id"}], "title": "Invalid Request"}),
            InvalidRequest,
        ),
        (map_x_error, answer(404, {"title": "Not Found"}), NotFound),
        (
            map_mastodon_error,
            answer(
                429,
                {"error": "Too many requests"},
                **{"x-ratelimit-reset": "2026-03-01T14:05:39.000Z"},
            ),
            RateLimited,
        ),
        (map_mastodon_error, answer(401, {"error": "The access token expired"}), AuthExpired),
        (map_mastodon_error, answer(401, {"error": "The access token was revoked"}), AuthRevoked),
        (
            map_mastodon_error,
            answer(422, {"error": "Validation failed: Text character limit of 500 exceeded"}),
            InvalidRequest,
        ),
        (map_mastodon_error, answer(404, {"error": "Record not found"}), NotFound),
        (map_mastodon_error, answer(502), TransientServerError),
        (
            map_bluesky_error,
            answer(429, {"error": "RateLimitExceeded"}, **{"ratelimit-reset": str(int(NOW) + 30)}),
            RateLimited,
        ),
        (
            map_bluesky_error,
            answer(400, {"error": "ExpiredToken", "message": "Token has expired"}),
            AuthExpired,
        ),
        (map_bluesky_error, answer(401, {"error": "AuthenticationRequired"}), AuthRevoked),
        (
            map_bluesky_error,
            answer(400, {"error": "InvalidRequest", "message": "bad"}),
            InvalidRequest,
        ),
        (map_bluesky_error, answer(400, {"error": "HandleNotFound"}), NotFound),
        (map_bluesky_error, answer(400, {"error": "MessagesDisabled"}), NotPermitted),
        (map_bluesky_error, answer(500, {"error": "InternalServerError"}), TransientServerError),
    ],
)
def test_error_mapping(
    mapper: Callable[[httpx.Response, float], ChannelError],
    response: httpx.Response,
    error: type[ChannelError],
) -> None:
    mapped = mapper(response, NOW)
    assert type(mapped) is error
    assert mapped.advice in str(mapped)
    if isinstance(mapped, RateLimited):
        assert mapped.retry_after == pytest.approx(30.5) and mapped.reset_at == pytest.approx(
            NOW + 30
        )


MAPPERS = [map_x_error, map_mastodon_error, map_bluesky_error]


@pytest.mark.parametrize("mapper", MAPPERS)
@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [("1.5", 1.5), (" 0.25 ", 0.25), ("Sun, 01 Mar 2026 14:05:19 GMT", 10.0)],
)
def test_every_network_reads_retry_after_as_decimal_seconds_or_an_http_date(
    mapper: Callable[[httpx.Response, float], ChannelError], retry_after: str, seconds: float
) -> None:
    down = mapper(answer(503, **{"retry-after": retry_after}), NOW)
    assert isinstance(down, TransientServerError) and down.retry_after == pytest.approx(seconds)
    # A 429 without reset headers waits what Retry-After asked for.
    limited = mapper(answer(429, **{"retry-after": retry_after}), NOW)
    assert isinstance(limited, RateLimited) and limited.reset_at is None
    assert limited.retry_after == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("mapper", "default_wait"),
    [(map_x_error, 60.0), (map_mastodon_error, 300.0), (map_bluesky_error, 300.0)],
)
def test_a_retry_after_that_is_not_seconds_or_a_date_falls_back_to_the_networks_wait(
    mapper: Callable[[httpx.Response, float], ChannelError], default_wait: float
) -> None:
    down = mapper(answer(502, **{"retry-after": "soon"}), NOW)
    assert isinstance(down, TransientServerError) and down.retry_after is None
    limited = mapper(answer(429, **{"retry-after": "-3"}), NOW)
    assert isinstance(limited, RateLimited) and limited.retry_after == default_wait


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_only_429_and_5xx_are_read_as_throttled_or_down(status: int) -> None:
    response = answer(status, **{"retry-after": "5", "x-rate-limit-reset": str(int(NOW) + 30)})
    common = throttled_or_down(response, NOW, network=Network.X, text="t", default_wait=60.0)
    assert common is None
    # ...unless the body itself says the rate limit was hit (Bluesky's RateLimitExceeded).
    said = throttled_or_down(
        response,
        NOW,
        network=Network.X,
        text="t",
        default_wait=60.0,
        says_rate_limited=True,
    )
    assert isinstance(said, RateLimited) and said.status == 429
    assert said.retry_after == pytest.approx(30.5) and said.reset_at == NOW + 30


def test_bluesky_rate_limit_named_in_the_body_of_a_400_waits_the_default() -> None:
    mapped = map_bluesky_error(answer(400, {"error": "RateLimitExceeded", "message": "slow"}), NOW)
    assert isinstance(mapped, RateLimited)
    assert (mapped.status, mapped.retry_after, mapped.reset_at) == (429, 300.0, None)
    assert str(mapped).startswith("bluesky: RateLimitExceeded: slow (HTTP 429)")


def session(
    handler: Callable[[httpx.Request], httpx.Response], clock: RecordingClock
) -> tuple[ApiSession, RecordingObserver]:
    observer = RecordingObserver()
    deps = ChannelDeps(observer=observer, clock=clock, transport=httpx.MockTransport(handler))
    http = deps.http_client("https://api.x.com")
    return (
        ApiSession(
            network=Network.X,
            account="brand",
            http=http,
            deps=deps,
            map_error=map_x_error,
            parse_limits=parse_x,
        ),
        observer,
    )


def test_a_create_is_repeated_only_when_it_never_reached_the_network() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(201, json={"data": {"id": "1", "text": "hi"}})

    clock = RecordingClock()
    api, _ = session(handler, clock)
    with pytest.raises(Unreachable) as timed_out:
        api.request(
            "POST",
            "/2/tweets",
            endpoint="POST /2/tweets",
            operation=Operation.CREATE_POST,
            json={"text": "hi"},
        )
    assert calls == ["POST", "POST"] and timed_out.value.request_may_have_arrived
    assert clock.sleeps == [0.5]


def test_reads_retry_transient_failures_and_report_each_call() -> None:
    answers = iter(
        [
            httpx.Response(500, json={"title": "boom"}),
            httpx.Response(200, content=b'{"data": [{"id": "1"'),
            httpx.Response(
                200,
                json={"data": [{"id": "7", "text": "t"}]},
                headers={"x-rate-limit-remaining": "3"},
            ),
        ]
    )
    clock = RecordingClock()
    api, observer = session(lambda request: next(answers), clock)
    result = api.request(
        "GET",
        "/2/users/1/mentions",
        endpoint="m",
        operation=Operation.READ_POST,
        items=lambda b: [t["id"] for t in b["data"]],
    )
    assert result.data == {"data": [{"id": "7", "text": "t"}]}
    assert [c.status for c in observer.calls] == [500, 200, 200]
    assert [c.items for c in observer.calls] == [0, 0, 1] and observer.calls[-1].native_ids == (
        "7",
    )
    assert clock.sleeps == [0.5, 1.0]


def test_malformed_json_after_retries_says_so() -> None:
    clock = RecordingClock()
    api, _ = session(
        lambda request: httpx.Response(200, content=b"<html>proxy error</html>"), clock
    )
    with pytest.raises(MalformedResponse, match="expected JSON"):
        api.request("GET", "/2/dm_events", endpoint="d", operation=Operation.DM_EVENT)
    assert len(clock.sleeps) == 3
