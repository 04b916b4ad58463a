"""Mastodon: notifications by min_id, SSE streaming, @acct replies, direct messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atdesk.channels.base import ChannelDeps, EventKind, ReadBatch, ReplyTarget
from atdesk.channels.errors import AuthExpired, AuthRevoked, InvalidRequest, TransientServerError
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.html import html_to_text
from atdesk.channels.mastodon.normalize import NORMALIZERS, classify_notification
from atdesk.channels.mastodon.polling import MastodonPollConfig
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.channels.observer import HealthKind, RecordingObserver
from atdesk.channels.streaming import StreamConfig
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post
from atdesk.emulators.base import wait_until
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.mastodon import STREAM_PATHS, MastodonEmulator
from tests.channels.conftest import MASTODON_TOKEN, RecordingClock
from tests.channels.payloads import load
from tests.channels.streams import running

BRAND = {"account_id": "1", "acct": "help"}
FAST = StreamConfig(keepalive_timeout=1.0)


def posts_of(batches: list[ReadBatch[MastodonAccount]]) -> dict[str, Post]:
    found = [NORMALIZERS[e.source](e.payload) for b in batches for e in b.events]
    return {p.native_id: p for p in found}


def test_html_becomes_the_text_the_customer_typed() -> None:
    _, public, direct = load("mastodon_notifications.json")
    assert html_to_text(public["status"]["content"], public["status"]["mentions"]) == (
        "@help o buraco na #RuaDasFlores continua & piorou\n\n"
        "foto: https://photos.example.org/p/abcdefghijklmnop\nobrigada"
    )
    assert html_to_text(direct["status"]["content"], direct["status"]["mentions"]) == (
        "@help bin not collected"
    )
    remote = [{"url": "https://other.example/@dana", "acct": "dana@other.example"}]
    content = '<p>cc <span class="h-card"><a href="https://other.example/@dana" class="u-url mention">@<span>dana</span></a></span> &lt;3</p>'
    assert html_to_text(content, remote) == "cc @dana@other.example <3"


def test_recorded_notifications_normalise() -> None:
    like, public, direct = load("mastodon_notifications.json")
    assert classify_notification(like, "1") is EventKind.LIKE
    post = NORMALIZERS["mastodon.notification"]({"notification": public, "brand": BRAND})
    assert post.key == ("mastodon", "112233445566778811") and not post.direct
    assert post.author.handle == "ana" and post.author.name == "Ana Lima"
    assert post.in_reply_to == "112233445566778800" and post.lang == "pt"
    assert post.media == ("https://city.example/media/5.jpg",)
    assert post.to_handle == "help" and post.inbound is None
    assert post.created_at == datetime(2026, 3, 1, 14, 8, tzinfo=UTC)
    dm = NORMALIZERS["mastodon.notification"]({"notification": direct, "brand": BRAND})
    assert dm.direct and dm.author.handle == "dana@example.social"


def test_polling_pages_forward_with_min_id_and_never_skips(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    mastodon_emulator.post("ana", "@help first, before atdesk was connected")
    channel = MastodonChannel(deps, poll_config=MastodonPollConfig(page_size=3))
    (first,) = list(channel.poll(mastodon_account))
    account = first.account
    assert account.notifications_mark is not None
    ids = [mastodon_emulator.post(f"c{i}", f"@help pothole number {i}") for i in range(7)]
    status = mastodon_emulator.post("dana@example.social", "@help private", visibility="direct")
    mastodon_emulator.favourite("bob", ids[0])
    mastodon_emulator.follow("bob", "help")
    reader = channel.poll(account)
    batch = next(reader)
    assert len(batch.events) == 3 and not batch.complete
    mastodon_emulator.faults.add(FaultKind.SERVER_ERROR, path="/api/v1/notifications", times=0)
    with pytest.raises(TransientServerError):
        next(reader)
    mastodon_emulator.faults.clear()
    batches = [batch, *channel.poll(batch.account)]
    posts = posts_of(batches)
    assert set(posts) == {*ids, status}
    assert posts[status].direct and posts[status].author.handle == "dana@example.social"
    assert batches[-1].complete
    assert next(iter(channel.poll(batches[-1].account))).events == ()


def test_a_429_is_waited_out_using_the_iso_reset(
    mastodon_emulator: MastodonEmulator,
    mastodon_account: MastodonAccount,
    observer: RecordingObserver,
) -> None:
    clock = RecordingClock()
    deps = ChannelDeps(observer=observer, clock=clock, timeout=2.0)
    mastodon_emulator.faults.add(FaultKind.RATE_LIMIT, path="/api/v1/notifications", reset_in=30)
    with pytest.raises(Exception, match="Too many requests"):
        list(MastodonChannel(deps).poll(mastodon_account))
    (notice,) = {n.reset_at for n in observer.notices if n.kind is HealthKind.RATE_LIMITED}
    assert notice is not None
    waits = clock.sleeps
    assert len(waits) == 2 and 29 <= waits[0] <= 32.5


def test_a_reply_is_addressed_with_acct_and_sent_once(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    asked = mastodon_emulator.post("dana@example.social", "@help when is pickup?")
    channel = MastodonChannel(deps)
    target = ReplyTarget(asked)
    sent = channel.send_reply(mastodon_account, target=target, text="Thursday", ref="case-3")
    again = channel.send_reply(mastodon_account, target=target, text="Thursday", ref="case-3")
    assert sent.post.native_id == again.post.native_id
    (status,) = mastodon_emulator.statuses_by("help")
    assert status["text"] == "@dana@example.social Thursday"
    assert status["in_reply_to_id"] == asked and status["visibility"] == "public"
    assert sent.post.inbound is False and sent.post.in_reply_to == asked
    assert mastodon_emulator.count("POST", "/api/v1/statuses") == 2


def test_private_posts_get_private_answers_and_dms_come_back(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    secret = mastodon_emulator.post("ana", "@help my address is 1 Elm St", visibility="direct")
    channel = MastodonChannel(deps)
    polled = posts_of(list(channel.poll(mastodon_account)))[secret]
    channel.send_reply(mastodon_account, target=ReplyTarget.of(polled), text="Thanks, noted")
    dana = Author(Network.MASTODON, "x", "dana@example.social")
    channel.send_dm(mastodon_account, recipient=dana, text="Your case is open")
    visibilities = [(s["text"], s["visibility"]) for s in mastodon_emulator.statuses_by("help")]
    assert visibilities == [
        ("@ana Thanks, noted", "direct"),
        ("@dana@example.social Your case is open", "direct"),
    ]
    dana_id = mastodon_emulator.find_account("dana@example.social") or ""
    assert [n["type"] for n in mastodon_emulator.notifications[dana_id]] == ["mention"]


def test_too_long_for_the_instance_is_refused_before_sending(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    asked = mastodon_emulator.post("ana", "@help hi")
    channel = MastodonChannel(deps)
    account = channel.refresh_instance(mastodon_account)
    assert account.max_characters == 500 and account.streaming_url
    with pytest.raises(InvalidRequest, match="501/500"):
        channel.send_reply(account, target=ReplyTarget(asked), text="x" * 496)
    assert mastodon_emulator.count("POST", "/api/v1/statuses") == 0


def test_the_stream_delivers_mentions_edits_and_deletions(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    channel = MastodonChannel(deps, stream_config=FAST)
    with running(channel.stream, mastodon_account) as run:
        assert wait_until(lambda: mastodon_emulator.count("GET", STREAM_PATHS[0], 200) == 1)
        status = mastodon_emulator.post("ana", "@help tree down")
        mastodon_emulator.favourite("bob", status)
        mastodon_emulator.edit(status, "@help tree down on Elm")
        mastodon_emulator.delete(status)
        assert wait_until(lambda: len(run.events()) == 3)
        ignored = [i.kind for b in run.batches for i in b.ignored]
    posts = [NORMALIZERS[e.source](e.payload) for e in run.events()]
    assert [p.key for p in posts] == [("mastodon", status)] * 3
    assert (posts[0].edited, posts[1].edited, posts[2].deleted) == (False, True, True)
    assert posts[1].text == "@help tree down on Elm"
    assert ignored == []  # favourites of customer posts never reach the brand


def test_heartbeats_keep_an_idle_stream_open_and_a_stall_reconnects(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    channel = MastodonChannel(deps, stream_config=FAST)
    with running(channel.stream, mastodon_account) as run:
        assert wait_until(lambda: mastodon_emulator.count("GET", STREAM_PATHS[0], 200) == 1)
        assert not wait_until(
            lambda: mastodon_emulator.count("GET", STREAM_PATHS[0]) > 1, timeout=2.0
        )
        mastodon_emulator.faults.add(FaultKind.STREAM_STALL, path=STREAM_PATHS[0], delay=30)
        assert wait_until(lambda: mastodon_emulator.count("GET", STREAM_PATHS[0], 200) == 2)
        status = mastodon_emulator.post("ana", "@help after the stall")
        assert wait_until(lambda: len(run.events()) == 1)
    assert run.events()[0].payload["notification"]["status"]["id"] == status


@pytest.mark.parametrize(
    ("revoke", "error", "kind"),
    [(False, AuthExpired, HealthKind.AUTH_EXPIRED), (True, AuthRevoked, HealthKind.AUTH_REVOKED)],
)
def test_bad_tokens_stop_the_stream_and_alert(
    mastodon_emulator: MastodonEmulator,
    mastodon_account: MastodonAccount,
    deps: ChannelDeps,
    observer: RecordingObserver,
    revoke: bool,
    error: type[Exception],
    kind: HealthKind,
) -> None:
    if revoke:
        mastodon_emulator.revoke_token(MASTODON_TOKEN)
    else:
        mastodon_emulator.expire_token(MASTODON_TOKEN)
    with running(MastodonChannel(deps, stream_config=FAST).stream, mastodon_account) as run:
        assert wait_until(lambda: run.error is not None)
    assert isinstance(run.error, error)
    assert observer.kinds() == [kind]


def test_an_empty_first_poll_still_sees_everything_that_follows(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    channel = MastodonChannel(deps, poll_config=MastodonPollConfig(page_size=2))
    (empty,) = list(channel.poll(mastodon_account))
    ids = [mastodon_emulator.post(f"c{i}", f"@help item {i}") for i in range(5)]
    assert set(posts_of(list(channel.poll(empty.account)))) == set(ids)
