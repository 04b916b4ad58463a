"""A reply to a post the network does not know says so, on each emulator over a real socket,
instead of blaming the text length or claiming the post was deleted."""

from __future__ import annotations

import httpx
import pytest

from atdesk.channels.base import ChannelDeps, ReplyTarget
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.provider import BlueskyChannel
from atdesk.channels.errors import NotFound, UnknownPost
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.errors import map_mastodon_error
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.errors import map_x_error
from atdesk.channels.x.provider import XChannel
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import REPLY_NOT_FOUND, MastodonEmulator
from atdesk.emulators.x import XEmulator
from tests.channels.conftest import BRAND, MASTODON_TOKEN

NOW = 1_772_373_909.0
UNKNOWN_TWEET = "1860000000000999999"
UNKNOWN_STATUS = "112233445566700001"
UNKNOWN_URI = "at://did:plc:nobody000000000000000000/app.bsky.feed.post/3lzgone00001"


def _says_unknown(error: UnknownPost, name: str, native_id: str) -> None:
    message = str(error)
    assert f"{name} does not know post {native_id} (it may be deleted or never existed)" in message
    assert "text length" not in message and "was deleted;" not in message
    assert error.native_id == native_id and isinstance(error, NotFound)


def test_x_names_the_unknown_post(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    target = ReplyTarget(UNKNOWN_TWEET, Author(Network.X, "4400000101", "dana_r"))
    with pytest.raises(UnknownPost) as caught:
        XChannel(deps).send_reply(x_account, target=target, text="Thanks, we're on it")
    _says_unknown(caught.value, "X", UNKNOWN_TWEET)
    assert caught.value.status == 400 and x_emulator.posts_by(BRAND) == []


def test_x_names_a_deleted_post_too(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    asked = x_emulator.post("dana", f"@{BRAND} never mind")
    x_emulator.delete(asked)
    with pytest.raises(UnknownPost) as caught:
        XChannel(deps).send_reply(x_account, target=ReplyTarget(asked), text="Glad it's sorted")
    _says_unknown(caught.value, "X", asked)


def test_x_forbidden_reply_to_a_deleted_or_hidden_post_names_it() -> None:
    """X itself answers a reply to a deleted or invisible post with this 403."""
    request = httpx.Request(
        "POST",
        "https://api.x.com/2/tweets",
        json={"text": "hi", "reply": {"in_reply_to_tweet_id": UNKNOWN_TWEET}},
    )
    body = {
        "title": "Forbidden",
        "type": "about:blank",
        "status": 403,
        "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
    }
    error = map_x_error(httpx.Response(403, json=body, request=request), NOW)
    assert isinstance(error, UnknownPost)
    _says_unknown(error, "X", UNKNOWN_TWEET)


def test_mastodon_names_the_unknown_post(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    lena = Author(Network.MASTODON, "77", "lena@fosstodon.example")
    with pytest.raises(UnknownPost) as caught:
        MastodonChannel(deps).send_reply(
            mastodon_account, target=ReplyTarget(UNKNOWN_STATUS, lena), text="On it"
        )
    _says_unknown(caught.value, "Mastodon", UNKNOWN_STATUS)
    assert caught.value.status == 404


def test_mastodon_answers_an_unknown_reply_target_as_mastodon_does(
    mastodon_emulator: MastodonEmulator,
) -> None:
    answer = httpx.post(
        f"{mastodon_emulator.base_url}/api/v1/statuses",
        json={"status": "@lena hi", "in_reply_to_id": UNKNOWN_STATUS},
        headers={"authorization": f"Bearer {MASTODON_TOKEN}"},
    )
    assert answer.status_code == 404 and answer.json() == {"error": REPLY_NOT_FOUND}
    assert isinstance(map_mastodon_error(answer, NOW), UnknownPost)


def test_mastodon_names_the_post_it_could_not_read(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    """With no author known, the client reads the status first; that 404 names it too."""
    with pytest.raises(UnknownPost) as caught:
        MastodonChannel(deps).send_reply(
            mastodon_account, target=ReplyTarget(UNKNOWN_STATUS), text="On it"
        )
    _says_unknown(caught.value, "Mastodon", UNKNOWN_STATUS)


def test_bluesky_names_the_unknown_post(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    jo = Author(Network.BLUESKY, "did:plc:nobody000000000000000000", "jo.bsky.social")
    with pytest.raises(UnknownPost) as caught:
        BlueskyChannel(deps).send_reply(
            bluesky_account, target=ReplyTarget(UNKNOWN_URI, jo), text="On it"
        )
    _says_unknown(caught.value, "Bluesky", UNKNOWN_URI)


def test_a_plain_not_found_no_longer_claims_a_deletion() -> None:
    error = map_mastodon_error(httpx.Response(404, json={"error": "Record not found"}), NOW)
    assert type(error) is NotFound
    assert "does not know it" in str(error) and "was deleted" not in str(error)
