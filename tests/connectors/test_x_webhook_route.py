"""`GET/POST /webhooks/x` through the real HTTP app: CRC, signatures, replays, noise, edits."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atdesk.channels.x.webhooks import SIGNATURE_HEADER, signature_of
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import BusMessage, Case
from atdesk.models import Post as PostRow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.channels.payloads import load, raw
from tests.connectors.conftest import (
    BRAND,
    BRAND_USER_ID,
    SECRET,
    add_brand_account,
    count,
    drain,
    stored_posts,
)

CUSTOMER_TWEET = "1899000000000000101"
LONG_TWEET = "1899000000000000210"
BRAND_REPLY = "1899000000000000200"


@pytest.fixture
def client(app_settings: Settings) -> TestClient:
    add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID)
    return TestClient(create_app(app_settings))


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature_of(secret, body), "content-type": "application/json"}


def deliver(client: TestClient, payload: dict[str, Any]) -> int:
    body = json.dumps(payload).encode()
    return client.post("/webhooks/x", content=body, headers=signed(body)).status_code


def test_the_crc_answer_matches_the_protocols_test_vector(client: TestClient) -> None:
    response = client.get("/webhooks/x", params={"crc_token": "9b3f1c2e-crc"})
    assert response.status_code == 200
    assert response.json() == {
        "response_token": "sha256=zPv35Vk1qTocaEuQwY7HBDMsE4BJv2kS2//J8jtxErE="
    }


def test_a_crc_without_a_token_says_what_is_missing(client: TestClient) -> None:
    response = client.get("/webhooks/x")
    assert response.status_code == 400 and "crc_token" in response.json()["detail"]


def test_without_a_consumer_secret_the_crc_says_how_to_configure_one(settings: Settings) -> None:
    response = TestClient(create_app(settings)).get("/webhooks/x", params={"crc_token": "t"})
    assert response.status_code == 503 and "ATDESK_X_CONSUMER_SECRET" in response.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({SIGNATURE_HEADER: ""}, 401),
        ({SIGNATURE_HEADER: "sha256=" + "A" * 43 + "="}, 403),
        ({SIGNATURE_HEADER: signature_of("some-other-secret", raw("x_aa_tweet_create.json"))}, 403),
    ],
)
def test_a_missing_or_bad_signature_is_refused_and_nothing_is_stored(
    client: TestClient, app_settings: Settings, headers: dict[str, str], status: int
) -> None:
    response = client.post("/webhooks/x", content=raw("x_aa_tweet_create.json"), headers=headers)
    assert response.status_code == status
    assert count(app_settings, BusMessage) == 0
    drain(app_settings)
    assert count(app_settings, PostRow) == 0


def test_a_signature_of_another_body_is_refused(client: TestClient, app_settings: Settings) -> None:
    body = raw("x_aa_tweet_create.json")
    tampered = body.replace(b"streetlight", b"streetlamp")
    response = client.post("/webhooks/x", content=tampered, headers=signed(body))
    assert response.status_code == 403
    assert count(app_settings, BusMessage) == 0


def test_a_replayed_delivery_stores_one_post_and_one_case_per_customer(
    client: TestClient, app_settings: Settings
) -> None:
    body = raw("x_aa_tweet_create.json")
    for _ in range(2):
        response = client.post("/webhooks/x", content=body, headers=signed(body))
        assert response.status_code == 200
        assert response.json() == {"events": 2, "ignored": 1}  # the brand's own reply is an echo
    drain(app_settings)
    posts = stored_posts(app_settings)
    assert set(posts) == {CUSTOMER_TWEET, LONG_TWEET}
    assert BRAND_REPLY not in posts
    assert count(app_settings, Case) == 2


def test_likes_and_follows_open_nothing_and_a_deletion_marks_the_stored_post(
    client: TestClient, app_settings: Settings
) -> None:
    assert deliver(client, load("x_aa_tweet_create.json")) == 200
    drain(app_settings)
    assert deliver(client, load("x_aa_noise.json")) == 200
    drain(app_settings)
    posts = stored_posts(app_settings)
    assert set(posts) == {CUSTOMER_TWEET, LONG_TWEET}
    assert posts[CUSTOMER_TWEET].deleted_at is not None
    assert posts[CUSTOMER_TWEET].text.startswith("@CityWorksHelp streetlight out")
    assert count(app_settings, Case) == 2


def test_an_edit_updates_the_stored_post_in_place(
    client: TestClient, app_settings: Settings
) -> None:
    original = load("x_aa_tweet_create.json")
    assert deliver(client, original) == 200
    drain(app_settings)
    edited = copy.deepcopy(original)
    tweet = edited["tweet_create_events"][0]
    tweet["id"], tweet["id_str"] = 1899000000000000300, "1899000000000000300"
    tweet["text"] = "@CityWorksHelp streetlight out on Elm St again, third night now"
    tweet["edit_history"] = {"initial_tweet_id": CUSTOMER_TWEET}
    edited["tweet_create_events"] = [tweet]
    assert deliver(client, edited) == 200
    drain(app_settings)
    posts = stored_posts(app_settings)
    assert "1899000000000000300" not in posts
    assert posts[CUSTOMER_TWEET].text.endswith("third night now")
    assert posts[CUSTOMER_TWEET].edited_at is not None


def test_a_delivery_for_an_unknown_user_is_acknowledged_and_stores_nothing(
    client: TestClient, app_settings: Settings
) -> None:
    payload = load("x_aa_tweet_create.json")
    payload["for_user_id"] = "999"
    assert deliver(client, payload) == 200
    assert count(app_settings, BusMessage) == 0


def test_a_signed_body_that_is_not_json_is_a_bad_request(client: TestClient) -> None:
    body = b"not json"
    assert client.post("/webhooks/x", content=body, headers=signed(body)).status_code == 400


def test_a_retweet_is_kept_flagged_and_opens_no_case(
    client: TestClient, app_settings: Settings
) -> None:
    original = load("x_aa_tweet_create.json")
    customer_tweet = original["tweet_create_events"][0]
    retweet = {
        "created_at": "Sun Mar 01 15:00:00 +0000 2026",
        "id": 1899000000000000400,
        "id_str": "1899000000000000400",
        "text": "RT @danar: " + customer_tweet["text"],
        "user": {"id_str": "4400000009", "screen_name": "fan", "name": "Fan"},
        "retweeted_status": customer_tweet,
        "entities": customer_tweet["entities"],
        "lang": "en",
        "timestamp_ms": "1772377200000",
    }
    assert deliver(client, {"for_user_id": BRAND_USER_ID, "tweet_create_events": [retweet]}) == 200
    drain(app_settings)
    posts = stored_posts(app_settings)
    assert set(posts) == {"1899000000000000400"}
    assert posts["1899000000000000400"].filtered_reason is not None
    assert count(app_settings, Case) == 0


def test_a_delivery_is_refused_with_retry_after_while_the_backlog_is_over_its_bound(
    app_settings: Settings,
) -> None:
    add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID)
    bus = EmbeddedBus(app_settings.database_url)
    waiting = [{"source": "jsonl", "payload": {"id": str(n)}, "line": None} for n in range(2)]
    with transaction(app_settings.database_url) as session:
        bus.publish(session, INBOUND, waiting)
    client = TestClient(create_app(replace(app_settings, events_queue_bound=1)))
    body = raw("x_aa_tweet_create.json")
    refused = client.post("/webhooks/x", content=body, headers=signed(body))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert "2 posts are waiting for the workers (the bound is 1)" in refused.json()["detail"]
    assert count(app_settings, BusMessage) == 2  # nothing of the refused delivery was queued
    roomy = TestClient(create_app(replace(app_settings, events_queue_bound=2)))
    assert roomy.post("/webhooks/x", content=body, headers=signed(body)).status_code == 200
    assert count(app_settings, BusMessage) == 4
