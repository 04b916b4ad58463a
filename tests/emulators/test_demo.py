"""The demo brand on all three emulated networks: customers write, agents answer, it comes back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from atdesk.channels.base import ChannelDeps, ReplyTarget
from atdesk.channels.registry import channel_for, normalizers
from atdesk.domain.networks import Network
from atdesk.domain.posts import Post
from atdesk.emulators.demo import DemoNetworks, start_demo_networks


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoNetworks]:
    networks = start_demo_networks()
    yield networks
    networks.stop()


def read_all(network: Network, account: Any) -> tuple[list[Post], Any]:
    channel = channel_for(network, ChannelDeps(timeout=2.0))
    read = normalizers()
    posts = []
    for batch in channel.poll(account):
        posts += [read[e.source](e.payload) for e in batch.events]
        account = batch.account
    return posts, account


def test_every_network_has_customer_traffic_for_the_brand(demo: DemoNetworks) -> None:
    seen = {}
    for network, account in demo.accounts().items():
        posts, _ = read_all(network, account)
        seen[network] = posts
        assert posts, f"no demo traffic on {network}"
        assert all(p.inbound is None for p in posts)
    assert any(p.direct for p in seen[Network.X]) and any(p.is_repost for p in seen[Network.X])
    assert any(p.coordinates for p in seen[Network.X])
    assert any(p.direct for p in seen[Network.MASTODON])
    assert any(p.direct for p in seen[Network.BLUESKY]) and any(
        p.lang == "es" for p in seen[Network.BLUESKY]
    )


@pytest.mark.parametrize("network", list(Network))
def test_an_agents_reply_really_goes_out_and_comes_back(
    demo: DemoNetworks, network: Network
) -> None:
    account = demo.accounts()[network]
    posts, account = read_all(network, account)
    public = next(p for p in posts if not p.direct and not p.is_repost)
    channel = channel_for(network, ChannelDeps(timeout=2.0))
    sent = channel.send_reply(
        account, target=ReplyTarget.of(public), text="Thanks, a crew is on the way"
    )
    assert sent.post.inbound is False and sent.post.in_reply_to == public.native_id
    customer = public.author.handle
    if network is Network.X:
        answer = demo.x.post(customer, "great, thank you!", in_reply_to=sent.post.native_id)
    elif network is Network.MASTODON:
        answer = demo.mastodon.post(
            customer,
            f"@{demo.brand.mastodon_acct} great, thank you!",
            in_reply_to=sent.post.native_id,
        )
    else:
        answer = demo.bluesky.post(customer, "great, thank you!", reply_to=sent.post.native_id)
    later, _ = read_all(network, sent.account)
    came_back = {p.native_id: p for p in later}
    assert came_back[answer].in_reply_to == sent.post.native_id
