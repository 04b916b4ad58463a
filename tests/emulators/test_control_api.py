"""The emulators' control API and wire details, over real sockets with plain httpx."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.emulators.x import STREAM_PATH, XEmulator


@pytest.fixture
def x() -> Iterator[XEmulator]:
    emulator = XEmulator(keepalive_interval=0.1)
    emulator.add_account("CityWorksHelp", user_token="tok", app_token="app")
    with emulator:
        yield emulator


def auth(bearer: str = "tok") -> dict[str, str]:
    return {"authorization": f"Bearer {bearer}"}


def test_faults_are_added_listed_applied_and_cleared_over_http(x: XEmulator) -> None:
    base = x.base_url
    user_id = x.find_user("CityWorksHelp")
    added = httpx.post(
        f"{base}/_emulator/faults",
        json={"kind": "server_error", "path": "/2/users/*/mentions", "status": 500, "times": 1},
    )
    assert added.status_code == 201
    assert [f["kind"] for f in httpx.get(f"{base}/_emulator/faults").json()["faults"]] == [
        "server_error"
    ]
    failed = httpx.get(f"{base}/2/users/{user_id}/mentions", headers=auth())
    assert failed.status_code == 500 and failed.json()["title"] == "Internal Server Error"
    assert httpx.get(f"{base}/2/users/{user_id}/mentions", headers=auth()).status_code == 200
    httpx.post(f"{base}/_emulator/faults", json={"kind": "timeout", "times": 0})
    assert httpx.delete(f"{base}/_emulator/faults").status_code == 204
    assert httpx.get(f"{base}/_emulator/faults").json() == {"faults": []}


def test_a_bad_fault_is_refused_with_the_valid_kinds(x: XEmulator) -> None:
    refused = httpx.post(f"{x.base_url}/_emulator/faults", json={"kind": "meteor"})
    assert refused.status_code == 400 and "rate_limit, server_error" in refused.json()["error"]
    extra = httpx.post(f"{x.base_url}/_emulator/faults", json={"kind": "slow", "when": "now"})
    assert extra.status_code == 400 and "when" in extra.json()["error"]


def test_customer_posts_can_be_injected_and_the_outbox_read(x: XEmulator) -> None:
    base = x.base_url
    made = httpx.post(
        f"{base}/_emulator/posts", json={"author": "dana", "text": "@CityWorksHelp hi"}
    )
    tweet_id = made.json()["id"]
    user_id = x.find_user("CityWorksHelp")
    page = httpx.get(
        f"{base}/2/users/{user_id}/mentions",
        params={"tweet.fields": "author_id", "expansions": "author_id"},
        headers=auth(),
    ).json()
    assert page["data"][0]["id"] == tweet_id and page["includes"]["users"][0]["username"] == "dana"
    assert page["meta"] == {"result_count": 1, "newest_id": tweet_id, "oldest_id": tweet_id}
    reply = httpx.post(
        f"{base}/2/tweets",
        json={"text": "Hello Dana", "reply": {"in_reply_to_tweet_id": tweet_id}},
        headers=auth(),
    )
    assert reply.status_code == 201 and reply.headers["x-rate-limit-limit"] == "200"
    outbox = httpx.get(f"{base}/_emulator/outbox", params={"author": "CityWorksHelp"}).json()
    assert [p["text"] for p in outbox["posts"]] == ["@dana Hello Dana"]


def test_requests_that_break_the_spec_are_refused_and_recorded(x: XEmulator) -> None:
    user_id = x.find_user("CityWorksHelp")
    answer = httpx.get(
        f"{x.base_url}/2/users/{user_id}/mentions", params={"max_results": 500}, headers=auth()
    )
    assert answer.status_code == 400
    assert answer.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert any("max_results" in problem for problem in x.validation_errors)


def test_the_stream_sends_crlf_keep_alives(x: XEmulator) -> None:
    with httpx.stream("GET", f"{x.base_url}{STREAM_PATH}", headers=auth("app"), timeout=2) as r:
        assert r.status_code == 200
        chunks = r.iter_raw()
        assert next(chunks) == b"\r\n"


def test_a_second_stream_connection_gets_429(x: XEmulator) -> None:
    with httpx.stream("GET", f"{x.base_url}{STREAM_PATH}", headers=auth("app"), timeout=2) as first:
        assert first.status_code == 200
        second = httpx.get(f"{x.base_url}{STREAM_PATH}", headers=auth("app"), timeout=2)
        assert second.status_code == 429
        assert second.json()["connection_issue"] == "TooManyConnections"


def test_a_timeout_fault_answers_nothing(x: XEmulator) -> None:
    x.faults.add("timeout", delay=0.3)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{x.base_url}/2/dm_events", headers=auth(), timeout=2)
    assert time.monotonic() - started >= 0.3


def test_mastodon_sse_heartbeats_and_iso_rate_limits() -> None:
    with MastodonEmulator(keepalive_interval=0.1) as mastodon:
        mastodon.add_account("help", token="t")
        with httpx.stream(
            "GET", f"{mastodon.base_url}/api/v1/streaming/user", headers=auth("t"), timeout=2
        ) as r:
            assert r.headers["content-type"] == "text/event-stream"
            lines = r.iter_lines()
            assert next(lines) == ":)"
            assert next(lines) == ":thump"
        answer = httpx.get(f"{mastodon.base_url}/api/v1/notifications", headers=auth("t"))
        assert answer.headers["x-ratelimit-reset"].endswith("Z")
        made = httpx.post(
            f"{mastodon.base_url}/_emulator/posts", json={"author": "ana", "text": "@help hi"}
        )
        (notification,) = httpx.get(
            f"{mastodon.base_url}/api/v1/notifications", headers=auth("t")
        ).json()
        assert notification["status"]["id"] == made.json()["id"]
        assert 'class="u-url mention"' in notification["status"]["content"]
        bad = httpx.get(f"{mastodon.base_url}/api/v1/notifications", headers=auth("nope"))
        assert bad.status_code == 401 and bad.json() == {"error": "The access token is invalid"}


def test_bluesky_validates_records_against_the_lexicon() -> None:
    with BlueskyEmulator() as bluesky:
        bluesky.add_account("cityworks.bsky.social", password="pw")
        session = httpx.post(
            f"{bluesky.base_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": "cityworks.bsky.social", "password": "pw"},
        ).json()
        headers = auth(session["accessJwt"])
        too_long = {
            "repo": session["did"],
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "a" * 301,
                "createdAt": "2026-03-01T00:00:00Z",
            },
        }
        refused = httpx.post(
            f"{bluesky.base_url}/xrpc/com.atproto.repo.createRecord", json=too_long, headers=headers
        )
        assert refused.status_code == 400 and "300 graphemes" in refused.json()["message"]
        assert "ratelimit-policy" in refused.headers or refused.status_code == 400
        bad_param = httpx.get(
            f"{bluesky.base_url}/xrpc/app.bsky.notification.listNotifications",
            params={"limit": 500},
            headers=headers,
        )
        assert bad_param.status_code == 400 and "maximum 100" in bad_param.json()["message"]
        ok = httpx.get(
            f"{bluesky.base_url}/xrpc/app.bsky.notification.listNotifications", headers=headers
        )
        assert ok.headers["ratelimit-policy"] == "3000;w=300"
        bluesky.validation_errors.clear()


def test_an_emulator_frees_its_port_when_stopped() -> None:
    emulator = XEmulator().start()
    port = int(emulator.base_url.rsplit(":", 1)[1])
    emulator.stop()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
