"""Mastodon (stream and poll) and Bluesky (poll) through the connector runtime into storage:
one post once, edits and deletions update it, favourites, follows and the brand's own
posts open nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from atdesk.channels.base import ChannelDeps
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.channels.registry import channel_for
from atdesk.channels.streaming import StreamConfig
from atdesk.config import Settings
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.domain.networks import Network
from atdesk.emulators.base import wait_until
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.models import ChannelConnection
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from tests.connectors.conftest import add_brand_account, cases, drain, stored_posts

ACCT = "help"
TOKEN = "help-token"
HANDLE = "cityworks.bsky.social"
PASSWORD = "app-pass-1234"


def factory(network: Network, deps: ChannelDeps) -> Any:
    if network is Network.MASTODON:
        return MastodonChannel(deps, stream_config=StreamConfig(keepalive_timeout=1.0))
    return channel_for(network, deps)


@pytest.fixture
def mastodon() -> Iterator[MastodonEmulator]:
    emulator = MastodonEmulator(keepalive_interval=0.2)
    emulator.add_account(ACCT, token=TOKEN, display_name="City Help")
    with emulator:
        yield emulator


@pytest.fixture
def bluesky() -> Iterator[BlueskyEmulator]:
    emulator = BlueskyEmulator()
    emulator.add_account(HANDLE, password=PASSWORD, display_name="City Works")
    with emulator:
        yield emulator


def runtime_for(settings: Settings) -> ConnectorRuntime:
    return ConnectorRuntime(
        settings,
        EmbeddedBus(settings.database_url),
        sync_every_s=0.1,
        default_poll_s=0.2,
        timeout=2.0,
        make_channel=factory,
    )


def pending(settings: Settings) -> int:
    return EmbeddedBus(settings.database_url).pending(INBOUND)


def test_mastodon_stream_and_poll_store_a_post_once_and_follow_its_edit_and_deletion(
    settings: Settings, mastodon: MastodonEmulator
) -> None:
    account_id = mastodon.find_account(ACCT)
    assert account_id is not None
    state = MastodonAccount(ACCT, account_id, TOKEN, mastodon.base_url)
    row_id = add_brand_account(settings, Network.MASTODON, ACCT, account_id, state)
    runtime = runtime_for(settings).start()
    try:
        assert wait_until(lambda: mastodon.count("GET", "/api/v1/streaming/*", 200) >= 1, 10)
        asked = mastodon.post("dana@example.social", f"@{ACCT} the bin on Elm St was missed")
        mastodon.favourite("ori", asked)
        mastodon.follow("ori", ACCT)
        mastodon.post(ACCT, "Collections run late today, sorry!")  # the brand's own post
        assert wait_until(lambda: pending(settings) >= 2, timeout=10)  # stream and poll
        drain(settings)
        assert set(stored_posts(settings)) == {asked}
        assert len(cases(settings)) == 1

        mastodon.edit(asked, f"@{ACCT} the bin on Elm St was missed, second week now")
        assert wait_until(lambda: pending(settings) >= 1, timeout=10)
        assert wait_until(
            lambda: drain(settings) == 0 and "second week" in stored_posts(settings)[asked].text, 10
        )
        mastodon.delete(asked)
        assert wait_until(lambda: pending(settings) >= 1, timeout=10)
        drain(settings)
    finally:
        runtime.stop()
    post = stored_posts(settings)[asked]
    assert post.deleted_at is not None and "second week" in post.text
    assert len(cases(settings)) == 1
    with transaction(settings.database_url) as session:
        connection = session.get(ChannelConnection, row_id)
        assert connection is not None and connection.events_read >= 3


def test_bluesky_polls_mentions_and_chats_into_cases_and_ignores_likes(
    settings: Settings, bluesky: BlueskyEmulator
) -> None:
    state = BlueskyAccount(HANDLE, PASSWORD, bluesky.base_url)
    add_brand_account(settings, Network.BLUESKY, HANDLE, None, state)
    asked = bluesky.post("dana.bsky.social", f"hi @{HANDLE} the streetlight on Oak is out")
    bluesky.message("ori.bsky.social", HANDLE, "can you move my visit to Friday?")
    own = bluesky.post(HANDLE, "Crews are out on Oak today")
    bluesky.like("dana.bsky.social", own)
    bluesky.follow("ori.bsky.social", HANDLE)
    runtime = runtime_for(settings).start()
    try:
        assert wait_until(lambda: pending(settings) >= 2, timeout=10)
    finally:
        runtime.stop()
    drain(settings)
    posts = stored_posts(settings)
    assert asked in posts and own not in posts
    assert {p.direct for p in posts.values()} == {True, False}
    assert len(posts) == 2 and len(cases(settings)) == 2
