"""What Mastodon and Bluesky send in the wrong shape is a clear error or a set-aside item, never
an AttributeError: one bad item does not stop an account's reading, the rest of the page goes in.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest

from atdesk.channels.base import EventKind
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.polling import BlueskyPollConfig, chat_events, poll_notifications
from atdesk.channels.errors import MalformedEvent, MalformedResponse
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.normalize import SOURCE_NOTIFICATION as MASTODON_NOTIFICATION
from atdesk.channels.mastodon.polling import notification_events
from atdesk.domain.posts import RawEvent
from atdesk.pipeline.normalize import normalize
from tests.channels.payloads import load

MASTODON = MastodonAccount(
    acct="help", account_id="1", token="t", base_url="http://mastodon.invalid"
)
BLUESKY = BlueskyAccount(
    handle="cityworks.bsky.social",
    app_password="p",
    did="did:plc:cityworks000000000000000",
)


def mention() -> dict[str, Any]:
    """The recorded Mastodon mention notification."""
    return next(n for n in load("mastodon_notifications.json") if n["type"] == "mention")


def mention_with(path: tuple[str, ...], value: Any) -> RawEvent:
    """The recorded mention as a raw event, with the value at `path` replaced."""
    notification = copy.deepcopy(mention())
    target = notification
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return RawEvent(MASTODON_NOTIFICATION, {"notification": notification, "brand": {}})


def test_mastodon_items_of_the_wrong_shape_are_set_aside_and_the_mention_goes_in() -> None:
    broken_status = {**mention(), "id": "9100", "status": {**mention()["status"], "account": "x"}}
    page: list[Any] = ["not an object", 42, broken_status, mention()]
    events, ignored = notification_events(page, MASTODON, keep_own=False)
    assert [e.payload["notification"]["id"] for e in events] == [mention()["id"]]
    assert [(i.kind, i.native_id, i.reason) for i in ignored] == [
        (EventKind.OTHER, "", "malformed notification: item 0 is a string, not an object"),
        (EventKind.OTHER, "", "malformed notification: item 1 is a number, not an object"),
        (
            EventKind.OTHER,
            "9100",
            "malformed notification: found a string where an object was expected",
        ),
    ]


SHAPE = "mastodon.notification event has the wrong shape: "


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("status",), "gone", SHAPE + "found a string where an object was expected"),
        (("status", "account"), ["ana"], SHAPE + "found a list where an object was expected"),
        (("status", "mentions"), "help", SHAPE + "found a string where an object was expected"),
        (("status", "created_at"), 17, "missing created_at"),
    ],
)
def test_a_mastodon_payload_of_the_wrong_shape_is_a_malformed_event(
    path: tuple[str, ...], value: Any, message: str
) -> None:
    event = mention_with(path, value)
    with pytest.raises(MalformedEvent) as raised:
        normalize(event)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("status", "account", "acct"), "a" * 400, "author handle has 400 characters"),
        (("status", "account", "display_name"), "n" * 201, "author name has 201 characters"),
        (("status", "account", "followers_count"), 2**40, "author followers 1099511627776"),
    ],
)
def test_a_live_post_too_long_for_its_columns_is_a_malformed_event(
    path: tuple[str, ...], value: Any, message: str
) -> None:
    """Live networks get the replay's storable check: PostgreSQL would refuse the whole batch."""
    event = mention_with(path, value)
    with pytest.raises(MalformedEvent) as raised:
        normalize(event)
    assert str(raised.value).startswith(
        f"{MASTODON_NOTIFICATION} event cannot be stored: {message}"
    )


class PagesOf:
    """A Bluesky API that answers listNotifications with the given bodies, in turn."""

    def __init__(self, bodies: Sequence[Any]) -> None:
        self.bodies = list(bodies)

    def list_notifications(self, **_: Any) -> Any:
        """The next recorded body."""
        return self.bodies.pop(0)


def test_bluesky_notifications_of_the_wrong_shape_are_set_aside() -> None:
    body = load("bluesky_notifications.json")
    good = [n for n in body["notifications"] if n["reason"] in ("mention", "reply", "quote")]
    broken = [
        "at://not-an-object",
        {**good[0], "uri": "at://no-time", "indexedAt": None},
        {**good[0], "uri": "at://bad-author", "author": "dana"},
    ]
    page = {"notifications": [*broken, *good]}
    (batch,) = poll_notifications(PagesOf([page]), BLUESKY, BlueskyPollConfig())  # type: ignore[arg-type]
    assert [e.payload["notification"]["uri"] for e in batch.events] == [n["uri"] for n in good]
    reasons = [(i.native_id, i.reason) for i in batch.ignored if i.reason.startswith("malformed")]
    assert reasons == [
        ("", "malformed notification: item 0 is a string, not an object"),
        ("at://no-time", "malformed notification: missing indexedAt"),
        ("at://bad-author", "malformed notification: found a string where an object was expected"),
    ]


def test_a_bluesky_answer_whose_notifications_are_not_a_list_is_a_malformed_response() -> None:
    pages = PagesOf([{"notifications": {"uri": "at://x"}}])
    with pytest.raises(MalformedResponse, match="notifications is an object, not a list"):
        list(poll_notifications(pages, BLUESKY, BlueskyPollConfig()))  # type: ignore[arg-type]


def test_bluesky_chat_entries_of_the_wrong_shape_are_set_aside() -> None:
    message = {
        "$type": "chat.bsky.convo.defs#logCreateMessage",
        "rev": "r2",
        "convoId": "c1",
        "message": {
            "id": "m2",
            "text": "hello",
            "sender": {"did": "did:plc:dana0000000000000000000"},
            "sentAt": "2026-03-01T14:12:00.000Z",
        },
    }
    logs: list[Any] = [
        "r1",
        {**message, "rev": "r3", "message": "hello"},
        {**message, "rev": "r4", "message": {**message["message"], "sender": "dana"}},
        message,
    ]
    events, ignored = chat_events(logs, BLUESKY, keep_own=False)
    assert [e.payload["log"]["rev"] for e in events] == ["r2"]
    assert [(i.native_id, i.reason) for i in ignored] == [
        ("", "malformed chat log entry: item 0 is a string, not an object"),
        ("r3", "malformed chat log entry: found a string where an object was expected"),
        ("r4", "malformed chat log entry: found a string where an object was expected"),
    ]
