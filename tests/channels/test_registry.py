"""One explicit registry: every network's channel, account type, normalisers, length rule."""

from __future__ import annotations

import pytest

from atdesk.channels.base import PageCursor, ReadMode
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.registry import (
    PROVIDERS,
    account_from_json,
    channel_for,
    normalizers,
    provider,
    text_length,
)
from atdesk.channels.x.account import XAccount
from atdesk.config import Settings
from atdesk.domain.networks import Network


def test_every_network_is_registered_with_a_working_channel() -> None:
    assert set(PROVIDERS) == set(Network)
    for network in Network:
        channel = channel_for(network)
        assert channel.network is network and ReadMode.POLL in channel.modes
    assert ReadMode.WEBHOOK in channel_for("x").modes


def test_source_names_are_unique_short_and_cover_every_channel() -> None:
    sources = normalizers()
    assert {s.split(".")[0] for s in sources} == {"x", "mastodon", "bluesky"}
    assert all(len(s) <= 32 for s in sources)  # posts.source is a 32-character column


@pytest.mark.parametrize(
    "account",
    [
        XAccount(
            handle="CityWorksHelp",
            user_id="1200000000",
            user_token="u",
            mentions=PageCursor("1899", "1900", "tok", seeded=True),
            webhook_id="5",
        ),
        MastodonAccount(acct="help", account_id="1", token="t", base_url="https://city.example"),
        BlueskyAccount(handle="cityworks.bsky.social", app_password="p", chat_cursor="0042"),
    ],
)
def test_accounts_round_trip_through_json(
    account: XAccount | MastodonAccount | BlueskyAccount,
) -> None:
    network = {
        XAccount: Network.X,
        MastodonAccount: Network.MASTODON,
        BlueskyAccount: Network.BLUESKY,
    }[type(account)]
    assert account_from_json(network.value, account.to_json()) == account


def test_secrets_stay_out_of_reprs() -> None:
    assert "hunter2" not in repr(XAccount(handle="h", user_id="1", user_token="hunter2"))
    assert "hunter2" not in repr(BlueskyAccount(handle="h.bsky.social", app_password="hunter2"))


def test_length_rules_by_network_name() -> None:
    assert text_length("x", "日本").length == 4
    assert text_length("mastodon", "@a@b.example hi").length == len("@a hi")
    assert text_length("bluesky", "é" * 300).valid
    with pytest.raises(ValueError, match="use one of: x, mastodon, bluesky"):
        provider("myspace")


def test_accounts_from_service_configuration() -> None:
    settings = Settings(
        x_api_base="http://127.0.0.1:9",
        x_bearer_token="b",
        x_consumer_secret="s",
        mastodon_base="http://m",
        mastodon_token="t",
        bluesky_base="http://b",
        bluesky_handle="h.bsky.social",
        bluesky_app_password="p",
    )
    x = XAccount.from_settings(settings, handle="h", user_id="1")
    assert (x.base_url, x.user_token, x.consumer_secret) == ("http://127.0.0.1:9", "b", "s")
    assert (
        MastodonAccount.from_settings(settings, acct="help", account_id="1").base_url == "http://m"
    )
    assert BlueskyAccount.from_settings(settings).base_url == "http://b"
    with pytest.raises(ValueError, match="ATDESK_X_BEARER_TOKEN"):
        XAccount.from_settings(Settings(), handle="h", user_id="1")
