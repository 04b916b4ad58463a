"""The one explicit list of network channels, and what the rest of atdesk needs from each.

Storage keeps an account as JSON (`account_from_json`), the pipeline registers every
channel's normalisers by source name (`normalizers`), workers build a channel with their
own observer and clock (`channel_for`), and the composer measures drafts (`text_length`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atdesk.channels.base import AccountState, Channel, ChannelDeps
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.normalize import NORMALIZERS as BLUESKY_NORMALIZERS
from atdesk.channels.bluesky.provider import BlueskyChannel
from atdesk.channels.costs import DEFAULT_PRICES, PriceTable
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.normalize import NORMALIZERS as MASTODON_NORMALIZERS
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.channels.textlength import (
    TextLength,
    bluesky_text_length,
    mastodon_text_length,
    x_text_length,
)
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS as X_NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.domain.networks import Network, parse_network
from atdesk.domain.posts import Post

Normalizer = Callable[[dict[str, Any]], Post]


@dataclass(frozen=True, slots=True)
class Provider:
    """Everything about one network that is not per-account state."""

    network: Network
    make_channel: Callable[[ChannelDeps], Channel[Any]]
    account_type: type[AccountState]
    normalizers: Mapping[str, Normalizer]
    text_length: Callable[[str], TextLength]
    prices: PriceTable


def _x(deps: ChannelDeps) -> Channel[XAccount]:
    return XChannel(deps)


def _mastodon(deps: ChannelDeps) -> Channel[MastodonAccount]:
    return MastodonChannel(deps)


def _bluesky(deps: ChannelDeps) -> Channel[BlueskyAccount]:
    return BlueskyChannel(deps)


PROVIDERS: Mapping[Network, Provider] = {
    Network.X: Provider(
        Network.X, _x, XAccount, X_NORMALIZERS, x_text_length, DEFAULT_PRICES[Network.X]
    ),
    Network.MASTODON: Provider(
        Network.MASTODON,
        _mastodon,
        MastodonAccount,
        MASTODON_NORMALIZERS,
        mastodon_text_length,
        DEFAULT_PRICES[Network.MASTODON],
    ),
    Network.BLUESKY: Provider(
        Network.BLUESKY,
        _bluesky,
        BlueskyAccount,
        BLUESKY_NORMALIZERS,
        bluesky_text_length,
        DEFAULT_PRICES[Network.BLUESKY],
    ),
}


def provider(network: Network | str) -> Provider:
    """The provider of a network (a name is accepted and checked)."""
    return PROVIDERS[network if isinstance(network, Network) else parse_network(network)]


def channel_for(network: Network | str, deps: ChannelDeps | None = None) -> Channel[Any]:
    """A channel for the network, wired to the caller's observer, clock and transport."""
    return provider(network).make_channel(deps or ChannelDeps())


def account_from_json(network: Network | str, data: Mapping[str, Any]) -> AccountState:
    """Rebuild an account stored by `to_json`."""
    return provider(network).account_type.from_json(data)


def normalizers() -> dict[str, Normalizer]:
    """Every raw-event source of every network and the function that reads it."""
    found: dict[str, Normalizer] = {}
    for item in PROVIDERS.values():
        overlap = set(found) & set(item.normalizers)
        if overlap:
            raise RuntimeError(f"source names used twice: {sorted(overlap)}")
        found.update(item.normalizers)
    return found


def text_length(network: Network | str, text: str) -> TextLength:
    """Measure a draft by the network's rule: (length, limit, valid)."""
    return provider(network).text_length(text)
