"""Posts written before an emulator started (the demo's stored history) are put back with their
own ids, authors and times: readable over the wire, answerable, notified to nobody, and older
than anything posted afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from atdesk.channels.base import ChannelDeps, ReplyTarget
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.provider import BlueskyChannel
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.emulators.x import XEmulator
from tests.channels.conftest import BLUESKY_BRAND, BRAND, MASTODON_BRAND

WRITTEN = datetime(2026, 11, 30, 14, 5, 9, tzinfo=UTC)


def _post(
    network: Network,
    native_id: str,
    author: Author,
    text: str,
    coordinates: tuple[float, float] | None = None,
) -> Post:
    return Post(network, native_id, text, WRITTEN, author, coordinates=coordinates)


def test_x_keeps_the_post_its_author_and_time_and_answers_it(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    dana = Author(Network.X, "4400000101", "dana_r", "Dana R", 812)
    x_emulator.seed(
        _post(
            Network.X,
            "1860000000000000101",
            dana,
            f"@{BRAND} downed tree on Main St",
            coordinates=(37.7652, -122.4212),
        )
    )
    channel = XChannel(deps, poll_dms=False)
    events = [e for batch in channel.poll(x_account) for e in batch.events]
    (read,) = [NORMALIZERS[e.source](e.payload) for e in events]
    assert read.native_id == "1860000000000000101" and read.created_at == WRITTEN
    assert read.author.native_id == "4400000101" and read.author.handle == "dana_r"
    assert read.coordinates == (37.7652, -122.4212)
    assert x_emulator.deliveries == []  # not new: no webhook, no stream line

    sent = channel.send_reply(
        x_account, target=ReplyTarget("1860000000000000101", dana), text="Crew on the way"
    )
    assert int(sent.post.native_id) > 1860000000000000101


def test_x_users_made_later_never_take_a_seeded_users_id(x_emulator: XEmulator) -> None:
    taken = str(int(x_emulator.find_user(BRAND) or "0") + 1)  # the id the next user would get
    x_emulator.seed(_post(Network.X, "1860000000000000102", Author(Network.X, taken, "mo"), "hi"))
    newcomer = x_emulator.add_user("newcomer")
    assert newcomer != taken and x_emulator.users[taken]["username"] == "mo"


def test_x_posts_after_a_seeded_one_get_later_ids(x_emulator: XEmulator) -> None:
    late = Author(Network.X, "4400000999", "late")
    x_emulator.seed(_post(Network.X, "1899000000000990000", late, f"@{BRAND} hi"))
    assert int(x_emulator.post("late", f"@{BRAND} again")) > 1899000000000990000


def test_mastodon_keeps_the_status_without_notifying_and_answers_it(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    lena = Author(Network.MASTODON, "77", "lena@fosstodon.example", "Lena")
    mastodon_emulator.seed(
        _post(Network.MASTODON, "112233445566778801", lena, f"@{MASTODON_BRAND} modem is red")
    )
    brand = mastodon_emulator.find_account(MASTODON_BRAND) or ""
    assert mastodon_emulator.notifications[brand] == []
    shown = httpx.get(
        f"{mastodon_emulator.base_url}/api/v1/statuses/112233445566778801",
        headers={"authorization": "Bearer help-token"},
    ).json()
    assert shown["account"]["id"] == "77" and shown["created_at"] == "2026-11-30T14:05:09.000Z"
    assert shown["account"]["acct"] == "lena@fosstodon.example"

    sent = MastodonChannel(deps).send_reply(
        mastodon_account, target=ReplyTarget("112233445566778801", lena), text="Checking now"
    )
    assert int(sent.post.native_id) > 112233445566778801
    assert mastodon_emulator.statuses[sent.post.native_id]["in_reply_to_id"] == (
        "112233445566778801"
    )


def test_bluesky_keeps_the_post_and_the_authors_did_and_answers_both(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    did = "did:plc:jo0000000000000000000000"
    uri = f"at://{did}/app.bsky.feed.post/3lzdemo00001"
    jo = Author(Network.BLUESKY, did, "jo.bsky.social", "Jo")
    bluesky_emulator.seed(_post(Network.BLUESKY, uri, jo, f"@{BLUESKY_BRAND} streetlight out"))
    assert bluesky_emulator.find_did("jo.bsky.social") == did
    assert all(n == [] for n in bluesky_emulator.notifications.values())

    channel = BlueskyChannel(deps)
    sent = channel.send_reply(bluesky_account, target=ReplyTarget(uri, jo), text="Thanks, Jo")
    record = bluesky_emulator.records[sent.post.native_id]["value"]
    assert record["reply"]["parent"]["uri"] == uri and record["reply"]["root"]["uri"] == uri
    chat = channel.send_dm(bluesky_account, recipient=jo, text="Which corner exactly?")
    assert chat.post.direct and bluesky_emulator.messages_by(BLUESKY_BRAND)


def test_a_restarted_bluesky_gives_a_handle_the_same_did() -> None:
    first, second = BlueskyEmulator(validate=False), BlueskyEmulator(validate=False)
    assert first.add_account("city.bsky.social") == second.add_account("city.bsky.social")
    assert first.add_account("bank.bsky.social") != first.add_account("city.bsky.social")
