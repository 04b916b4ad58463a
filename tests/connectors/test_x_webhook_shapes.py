"""A signed X delivery whose events have the wrong shape is a 400 that stores nothing, never a 500."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atdesk.channels.x.webhooks import SIGNATURE_HEADER, signature_of
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import BusMessage
from atdesk.models import Post as PostRow
from atdesk.web.app import create_app
from tests.channels.payloads import load
from tests.connectors.conftest import BRAND, BRAND_USER_ID, SECRET, add_brand_account, count, drain

TWEETS = load("x_aa_tweet_create.json")
DMS = load("x_aa_direct_message.json")
NOISE = load("x_aa_noise.json")


@pytest.fixture
def client(app_settings: Settings) -> TestClient:
    add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID)
    return TestClient(create_app(app_settings), raise_server_exceptions=False)


def post_signed(client: TestClient, body: bytes) -> tuple[int, str]:
    """POST a correctly signed body; the status and the detail of a refusal."""
    headers = {SIGNATURE_HEADER: signature_of(SECRET, body), "content-type": "application/json"}
    response = client.post("/webhooks/x", content=body, headers=headers)
    detail = response.json().get("detail", "") if response.status_code == 400 else ""
    return response.status_code, str(detail)


def changed(payload: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of payload with the value at path replaced (or a key removed for ...)."""
    out = copy.deepcopy(payload)
    target = out
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


TWEET = ("tweet_create_events", 0)
DM = ("direct_message_events", 0)
WRONG_SHAPES = [
    ([1, 2], None, "body must be a JSON object, not a list"),
    ("hello", None, "body must be a JSON object, not a string"),
    (TWEETS, (("for_user_id",), ["1200000000"]), "for_user_id must be a user id"),
    (
        TWEETS,
        (("for_user_id",), {"id": 1}),
        "for_user_id must be a user id (digits), not an object",
    ),
    (TWEETS, (("for_user_id",), ...), "for_user_id must be a user id (digits), not nothing"),
    (TWEETS, (("tweet_create_events",), {"0": {}}), "tweet_create_events must be a list"),
    (TWEETS, (("tweet_create_events",), "tweet"), "tweet_create_events must be a list"),
    (TWEETS, (TWEET, "just text"), "tweet_create_events[0] must be an object, not a string"),
    (TWEETS, ((*TWEET, "user"), "danar"), "tweet_create_events[0].user must be an object"),
    (TWEETS, ((*TWEET, "user"), [1]), "tweet_create_events[0].user must be an object"),
    (TWEETS, ((*TWEET, "entities"), ["x"]), "tweet_create_events[0]: found a list"),
    (TWEETS, ((*TWEET, "entities", "urls"), ["t.co"]), "tweet_create_events[0]: found a string"),
    (TWEETS, ((*TWEET, "entities", "user_mentions"), [7]), "tweet_create_events[0]: found a"),
    (TWEETS, ((*TWEET, "created_at"), 1772373909), "tweet_create_events[0]"),
    (TWEETS, ((*TWEET, "created_at"), ...), "tweet_create_events[0]"),
    (TWEETS, ((*TWEET, "user", "followers_count"), "lots"), "tweet_create_events[0]"),
    (TWEETS, ((*TWEET, "edit_history"), "yes"), "tweet_create_events[0]: found a string"),
    (TWEETS, (("tweet_create_events", 2, "extended_tweet"), "x"), "tweet_create_events[2]"),
    (TWEETS, (("users",), ["someone"]), "users must be an object"),
    (DMS, (("direct_message_events",), "dm"), "direct_message_events must be a list"),
    (DMS, ((*DM, "message_create"), "hi"), "direct_message_events[0].message_create must be"),
    (DMS, ((*DM, "message_create", "message_data"), ["hi"]), "direct_message_events[0]"),
    (DMS, ((*DM, "created_timestamp"), "yesterday"), "direct_message_events[0]"),
    (NOISE, (("tweet_delete_events",), [42]), "tweet_delete_events[0] must be an object"),
    (NOISE, (("tweet_delete_events", 0, "status"), "gone"), "tweet_delete_events[0]"),
    (NOISE, (("favorite_events",), "a like"), "favorite_events must be a list"),
]


def wrong_body(base: Any, change: tuple[tuple[Any, ...], Any] | None) -> bytes:
    """The JSON of base with one change applied."""
    value = base if change is None else changed(base, *change)
    return json.dumps(value).encode()


@pytest.mark.parametrize(("base", "change", "message"), WRONG_SHAPES)
def test_a_signed_delivery_of_the_wrong_shape_is_a_400_naming_it_and_stores_nothing(
    client: TestClient,
    app_settings: Settings,
    base: Any,
    change: tuple[tuple[Any, ...], Any] | None,
    message: str,
) -> None:
    status, detail = post_signed(client, wrong_body(base, change))
    assert status == 400
    assert message in detail
    assert count(app_settings, BusMessage) == 0
    drain(app_settings)
    assert count(app_settings, PostRow) == 0


def test_one_bad_event_refuses_the_whole_delivery(
    client: TestClient, app_settings: Settings
) -> None:
    payload = copy.deepcopy(TWEETS)
    payload["tweet_create_events"].append({"id_str": "1899000000000000999", "user": "x"})
    status, detail = post_signed(client, json.dumps(payload).encode())
    assert (status, detail.split(" must")[0]) == (400, "x: tweet_create_events[3].user")
    assert count(app_settings, BusMessage) == 0


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """A small JSON value of any kind: what a broken sender might put anywhere."""
    kinds = ["null", "bool", "int", "text"] + (["list", "object"] if depth < 2 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 7, 2**63, 1899000000000000101])
    if kind == "text":
        return rng.choice(["", "x", "1200000000", "Sun Mar 01 14:05:09 +0000 2026", "\u00e9\u2603"])
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 2))]
    return {rng.choice(["id", "id_str", "text", "type", "user"]): random_json(rng, depth + 1)}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value that could be replaced."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += paths(item, (*prefix, n))
    return found


def fuzzed_bodies(count: int, seed: int) -> list[bytes]:
    """Real deliveries with one value, anywhere, replaced by a random one (fixed seed)."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        base = rng.choice([TWEETS, DMS, NOISE])
        place = rng.choice(paths(base))
        value = ... if rng.random() < 0.15 else random_json(rng)
        bodies.append(json.dumps(changed(base, place, value)).encode())
    return bodies


def test_any_value_anywhere_gets_200_or_400_and_a_400_stores_nothing(
    client: TestClient, app_settings: Settings
) -> None:
    statuses = set()
    for body in fuzzed_bodies(60, seed=10):
        before = count(app_settings, BusMessage)
        status, detail = post_signed(client, body)
        assert status in (200, 400), body
        statuses.add(status)
        if status == 400:
            assert detail.startswith("x: ") and count(app_settings, BusMessage) == before
        drain(app_settings)  # what was accepted goes through the pipeline without an error
    assert statuses == {200, 400}
