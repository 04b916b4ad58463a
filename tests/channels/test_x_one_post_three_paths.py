"""The same post arriving by webhook, stream and poll is one stored post."""

from __future__ import annotations

from atdesk.channels.base import ChannelDeps
from atdesk.channels.streaming import StreamConfig
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.domain.posts import Post
from atdesk.emulators.base import wait_until
from atdesk.emulators.x import STREAM_PATH, XEmulator
from tests.channels.conftest import BRAND
from tests.channels.streams import running
from tests.channels.test_x_webhooks import Receiver


def essentials(post: Post) -> tuple[object, ...]:
    return (
        post.key,
        post.text,
        post.author.native_id,
        post.author.handle,
        post.created_at,
        post.in_reply_to,
        post.to_handle,
        post.coordinates,
        post.direct,
    )


def test_webhook_stream_and_poll_agree_on_one_post(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=StreamConfig(keepalive_timeout=1.0), poll_dms=False)
    receiver = Receiver(channel, x_account)
    try:
        account = channel.register_webhook(x_account, receiver.url)
        receiver.account = account
        with running(channel.stream, account) as run:
            assert wait_until(lambda: x_emulator.count("GET", STREAM_PATH, 200) == 1)
            tweet_id = x_emulator.post(
                "dana", f"@{BRAND} hydrant leaking at 5th & Oak", geo=(37.77, -122.42)
            )
            assert wait_until(lambda: len(run.events()) == 1)
        x_emulator.flush_deliveries()
        polled = [NORMALIZERS[e.source](e.payload) for b in channel.poll(account) for e in b.events]
        streamed = [NORMALIZERS[e.source](e.payload) for e in run.events()]
        hooked = list(receiver.posts.values())
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()

    assert len(polled) == len(streamed) == len(hooked) == 1
    assert essentials(polled[0]) == essentials(streamed[0]) == essentials(hooked[0])
    stored: dict[tuple[str, str], Post] = {}
    for post in [*hooked, *streamed, *polled]:
        stored.setdefault(post.key, post)
    assert list(stored) == [("x", tweet_id)]
    assert polled[0].coordinates == (37.77, -122.42)
