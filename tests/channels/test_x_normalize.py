"""X v2 and v1.1 payloads become one Post shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atdesk.channels.base import EventKind
from atdesk.channels.errors import MalformedEvent
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import (
    NORMALIZERS,
    classify_v2_tweet,
    normalize_aa_dm,
    normalize_dm,
    normalize_tweet,
)
from atdesk.channels.x.polling import tweet_events
from atdesk.channels.x.webhooks import parse_activity
from atdesk.domain.networks import Network
from tests.channels.payloads import load

BRAND = {"user_id": "1200000000", "handle": "CityWorksHelp"}
ACCOUNT = XAccount(handle="CityWorksHelp", user_id="1200000000", user_token="t")


def v2(index: int) -> dict[str, object]:
    page = load("x_mentions_page.json")
    return {"tweet": page["data"][index], "includes": page["includes"], "brand": BRAND}


def test_a_v2_mention_keeps_every_field_care_needs() -> None:
    post = normalize_tweet(v2(0))
    assert post.key == ("x", "1899000000000000101")
    assert post.text == (
        "@CityWorksHelp streetlight out on Elm St again #broken https://example.org/photo/77 & it's dark"
    )
    assert post.created_at == datetime(2026, 3, 1, 14, 5, 9, tzinfo=UTC)
    assert post.author.handle == "danar" and post.author.name == "Dana R"
    assert post.author.followers == 812 and post.author.verified is False
    assert post.in_reply_to == "1898999999999999000"
    assert post.coordinates == (37.7652, -122.4212)
    assert post.to_handle == "CityWorksHelp" and post.inbound is None
    assert post.lang == "en" and not post.is_repost and not post.edited


def test_a_retweet_is_marked_so_it_never_opens_a_case() -> None:
    post = normalize_tweet(v2(1))
    assert post.is_repost and post.author.verified


def test_an_edit_is_keyed_by_the_first_version() -> None:
    payload = v2(2)
    assert classify_v2_tweet(payload["tweet"], "1200000000") is EventKind.EDIT  # type: ignore[arg-type]
    post = normalize_tweet(payload)
    assert post.key == ("x", "1899000000000000101") and post.edited
    assert post.text.endswith("Elm Street again") and post.lang is None


def test_the_brands_own_post_is_outbound_and_filtered_from_reads() -> None:
    post = normalize_tweet(v2(3))
    assert post.inbound is False and post.to_handle is None
    events, ignored = tweet_events(load("x_mentions_page.json"), ACCOUNT, keep_own=False)
    assert [i.kind for i in ignored] == [EventKind.SELF_ECHO]
    assert len(events) == 3


def test_a_v2_dm_event_is_a_private_message_in_its_conversation() -> None:
    body = load("x_dm_events.json")
    post = normalize_dm({"event": body["data"][0], "includes": body["includes"], "brand": BRAND})
    assert post.direct and post.thread_key == "1200000000-4400000001"
    assert post.author.handle == "danar" and post.text == "Hi, my ticket number is 5521"
    with pytest.raises(MalformedEvent, match="ParticipantsJoin"):
        normalize_dm({"event": body["data"][1], "brand": BRAND})


def test_v1_webhook_tweets_match_their_v2_form() -> None:
    batch = parse_activity(load("x_aa_tweet_create.json"), brand_handle="CityWorksHelp")
    assert [i.kind for i in batch.ignored] == [EventKind.SELF_ECHO]
    first, long_one = (NORMALIZERS[e.source](e.payload) for e in batch.events)
    polled = normalize_tweet(v2(0))
    assert first.key == polled.key and first.created_at == polled.created_at
    assert first.author == polled.author.__class__(
        Network.X, "4400000001", "danar", "Dana R", 812, False
    )
    assert first.coordinates == polled.coordinates and first.in_reply_to == polled.in_reply_to
    assert first.to_handle == "CityWorksHelp"
    assert long_one.text.endswith("so this is urgent. Thanks!")


def test_v1_webhook_dms_and_noise() -> None:
    batch = parse_activity(load("x_aa_direct_message.json"))
    assert [i.kind for i in batch.ignored] == [EventKind.SELF_ECHO]
    (event,) = batch.events
    post = normalize_aa_dm(event.payload)
    assert post.direct and post.author.handle == "danar" and post.author.followers == 812
    assert post.thread_key == "1200000000-4400000001"
    assert post.created_at == datetime(2026, 3, 1, 14, 20, tzinfo=UTC)

    noise = parse_activity(load("x_aa_noise.json"))
    assert sorted(i.kind.value for i in noise.ignored) == ["follow", "like"]
    (deletion,) = (NORMALIZERS[e.source](e.payload) for e in noise.events)
    assert deletion.deleted and deletion.key == ("x", "1899000000000000101")


def test_keep_own_passes_the_brands_posts_as_outbound() -> None:
    batch = parse_activity(load("x_aa_tweet_create.json"), keep_own=True)
    own = [NORMALIZERS[e.source](e.payload) for e in batch.events][1]
    assert own.inbound is False and own.in_reply_to == "1899000000000000101"


def test_broken_payloads_say_what_is_missing() -> None:
    with pytest.raises(MalformedEvent, match="author_id"):
        normalize_tweet({"tweet": {"id": "1", "text": "x", "created_at": "2026-03-01T00:00:00Z"}})
    with pytest.raises(MalformedEvent, match="created_at"):
        normalize_tweet(
            {"tweet": {"id": "1", "text": "x", "author_id": "2", "created_at": "yesterday"}}
        )
