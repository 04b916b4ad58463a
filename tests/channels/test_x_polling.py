"""Mentions and DM polling over a real socket: back-fill, resume, faults, noise."""

from __future__ import annotations

import time

import pytest

from atdesk.channels.base import ChannelDeps, ReadBatch
from atdesk.channels.clock import SystemClock
from atdesk.channels.errors import AuthExpired, AuthRevoked, TransientServerError
from atdesk.channels.observer import HealthKind, Operation, RecordingObserver
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.polling import XPollConfig
from atdesk.channels.x.provider import XChannel
from atdesk.domain.posts import Post
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import XEmulator
from tests.channels.conftest import BRAND, USER_TOKEN, RecordingClock

MENTIONS = "/2/users/*/mentions"


class Store:
    """What the storage owner does: keep posts by key and the account, batch by batch."""

    def __init__(self, account: XAccount) -> None:
        self.account = account
        self.posts: dict[tuple[str, str], Post] = {}
        self.ignored: list[str] = []

    def save(self, batch: ReadBatch[XAccount]) -> None:
        for event in batch.events:
            post = NORMALIZERS[event.source](event.payload)
            self.posts[post.key] = post
        self.ignored += [i.kind.value for i in batch.ignored]
        self.account = batch.account

    def poll(self, channel: XChannel) -> None:
        for batch in channel.poll(self.account):
            self.save(batch)

    def ids(self) -> set[str]:
        return {native_id for _, native_id in self.posts}


def channel(deps: ChannelDeps, page_size: int = 100, **options: object) -> XChannel:
    config = XPollConfig(mentions_page_size=page_size, first_run_pages=100)
    return XChannel(deps, poll_config=config, **options)  # type: ignore[arg-type]


def customer_mentions(emulator: XEmulator, count: int) -> list[str]:
    return [emulator.post(f"cust{i % 7}", f"@{BRAND} streetlight {i} out") for i in range(count)]


def test_a_pass_follows_every_page_and_moves_the_mark_only_at_the_end(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    ids = customer_mentions(x_emulator, 23)
    batches = list(channel(deps, page_size=10, poll_dms=False).poll(x_account))
    mention_batches = batches
    assert len(mention_batches) == 3
    assert [b.complete for b in mention_batches] == [False, False, True]
    assert mention_batches[0].account.mentions.high_water is None
    assert mention_batches[0].account.mentions.next_token
    assert mention_batches[-1].account.mentions.high_water == max(ids, key=int)
    assert not mention_batches[-1].account.mentions.in_progress
    got = {e.payload["tweet"]["id"] for b in batches for e in b.events}
    assert got == set(ids)


def test_since_id_reads_only_what_is_new(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    store = Store(x_account)
    customer_mentions(x_emulator, 5)
    store.poll(channel(deps))
    newer = customer_mentions(x_emulator, 3)
    fresh = Store(store.account)
    fresh.poll(channel(deps))
    assert fresh.ids() == set(newer)


def test_a_poll_interrupted_mid_pagination_resumes_and_loses_nothing(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    before = customer_mentions(x_emulator, 25)
    store = Store(x_account)
    reader = channel(deps, page_size=10).poll(store.account)
    store.save(next(reader))
    assert len(store.posts) == 10 and store.account.mentions.in_progress
    x_emulator.faults.add(FaultKind.SERVER_ERROR, path=MENTIONS, times=0, status=503)
    with pytest.raises(TransientServerError):
        next(reader)
    during_outage = customer_mentions(x_emulator, 4)
    x_emulator.faults.clear()

    store.poll(channel(deps, page_size=10))
    assert store.ids() == set(before)
    assert store.account.mentions.high_water == max(before, key=int)
    store.poll(channel(deps, page_size=10))
    assert store.ids() == set(before) | set(during_outage)


def test_a_crash_before_a_page_is_stored_reads_that_page_again(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    ids = customer_mentions(x_emulator, 15)
    store = Store(x_account)
    reader = channel(deps, page_size=10).poll(store.account)
    next(reader)  # read, then the process dies before storing it
    store.poll(channel(deps, page_size=10))
    assert store.ids() == set(ids)


def test_an_expired_resume_token_restarts_the_pass_from_the_mark(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    ids = customer_mentions(x_emulator, 12)
    store = Store(x_account)
    store.save(next(channel(deps, page_size=10).poll(store.account)))
    cursor = store.account.mentions
    store.account = store.account.with_(
        mentions=cursor.__class__(cursor.high_water, cursor.pass_newest, "zz-not-a-token")
    )
    store.poll(channel(deps, page_size=10))
    assert store.ids() == set(ids)


def test_a_429_waits_until_the_reset_then_succeeds(
    x_emulator: XEmulator, x_account: XAccount, observer: RecordingObserver
) -> None:
    customer_mentions(x_emulator, 2)
    x_emulator.faults.add(FaultKind.RATE_LIMIT, path=MENTIONS, reset_in=1.0)
    deps = ChannelDeps(observer=observer, clock=SystemClock(), timeout=2.0)
    store = Store(x_account)
    store.poll(XChannel(deps, poll_dms=False))
    limited = [n for n in observer.notices if n.kind is HealthKind.RATE_LIMITED]
    assert limited and limited[0].reset_at is not None
    successes = [r for r in x_emulator.log_of("GET", MENTIONS) if r.status == 200]
    assert successes[0].at >= limited[0].reset_at.timestamp()
    assert x_emulator.count("GET", MENTIONS, 429) == 1
    assert len(store.posts) == 2


def test_a_used_up_window_is_waited_out_before_calling(
    x_emulator: XEmulator, x_account: XAccount, observer: RecordingObserver
) -> None:
    x_emulator.set_rate_limit("GET /2/users/:id/mentions", 1, 1.0)
    deps = ChannelDeps(observer=observer, clock=SystemClock(), timeout=2.0)
    x = XChannel(deps, poll_dms=False)
    account = Store(x_account)
    account.poll(x)
    limit = x.rate_limits(account.account)[0]
    assert limit.exhausted
    account.poll(x)
    assert x_emulator.count("GET", MENTIONS, 429) == 0
    assert x_emulator.count("GET", MENTIONS, 200) == 2
    assert time.time() >= (limit.reset_at or 0)
    assert HealthKind.RATE_LIMITED in observer.kinds()


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        (FaultKind.SERVER_ERROR, {"status": 500, "times": 2}),
        (FaultKind.SERVER_ERROR, {"status": 503, "times": 2}),
        (FaultKind.MALFORMED, {"times": 1}),
        (FaultKind.TIMEOUT, {"times": 1, "delay": 0.6}),
    ],
)
def test_transient_faults_are_retried_with_backoff(
    x_emulator: XEmulator,
    x_account: XAccount,
    observer: RecordingObserver,
    kind: FaultKind,
    options: dict[str, object],
) -> None:
    ids = customer_mentions(x_emulator, 3)
    clock = RecordingClock()
    deps = ChannelDeps(observer=observer, clock=clock, timeout=0.3)
    x_emulator.faults.add(kind, path=MENTIONS, **options)
    store = Store(x_account)
    store.poll(XChannel(deps, poll_dms=False))
    assert store.ids() == set(ids)
    assert clock.sleeps == [0.5, 1.0][: int(str(options["times"]))]


def test_an_expired_token_is_refreshed_and_the_new_tokens_handed_back(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    ids = customer_mentions(x_emulator, 2)
    x_emulator.expire_token(USER_TOKEN)
    store = Store(x_account)
    batches = list(channel(deps).poll(store.account))
    assert batches[0].events == () and batches[0].account.user_token != USER_TOKEN
    for batch in batches:
        store.save(batch)
    assert store.ids() == set(ids)
    assert store.account.refresh_token not in {None, x_account.refresh_token}


def test_a_revoked_token_raises_and_alerts(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    x_emulator.revoke_token(USER_TOKEN)
    with pytest.raises(AuthRevoked):
        list(channel(deps).poll(x_account))
    assert observer.kinds() == [HealthKind.AUTH_REVOKED]


def test_an_expired_token_without_refresh_token_alerts_expired(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    x_emulator.expire_token(USER_TOKEN)
    with pytest.raises(AuthExpired):
        list(channel(deps).poll(x_account.with_(refresh_token=None)))
    assert observer.kinds() == [HealthKind.AUTH_EXPIRED]


def test_noise_and_self_echo_never_become_customer_posts(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    real = x_emulator.post("dana", f"@{BRAND} bin not collected on Elm St")
    x_emulator.retweet("bob", real)
    x_emulator.post(BRAND, f"Thanks for reaching @{BRAND}, we read every post")
    store = Store(x_account)
    store.poll(channel(deps))
    reposts = [p for p in store.posts.values() if p.is_repost]
    assert len(reposts) == 1 and reposts[0].author.handle == "bob"
    assert all(p.author.handle != BRAND for p in store.posts.values())
    assert "self_echo" in store.ignored
    customer = store.posts[("x", real)]
    assert customer.to_handle == BRAND and customer.inbound is None


def test_an_edit_updates_the_stored_post_under_its_first_id(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    first = x_emulator.post("dana", f"@{BRAND} bin not colected")
    store = Store(x_account)
    store.poll(channel(deps))
    x_emulator.edit(first, f"@{BRAND} bin not collected")
    store.poll(channel(deps))
    post = store.posts[("x", first)]
    assert post.edited and post.text.endswith("bin not collected")
    assert len(store.posts) == 1


def test_dms_are_read_and_the_brands_own_are_ignored(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    incoming = x_emulator.dm("dana", BRAND, "Hi, my ticket number is 5521")
    x_emulator.dm(BRAND, "dana", "Thanks Dana, looking now")
    store = Store(x_account)
    store.poll(channel(deps))
    post = store.posts[("x", incoming)]
    assert post.direct and post.author.handle == "dana" and post.to_handle == BRAND
    assert post.thread_key and "-" in post.thread_key
    assert store.ignored == ["self_echo"]
    later = x_emulator.dm("dana", BRAND, "any news?")
    fresh = Store(store.account)
    fresh.poll(channel(deps))
    assert fresh.ids() == {later}


def test_every_call_is_reported_with_its_billable_items(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    ids = customer_mentions(x_emulator, 3)
    Store(x_account).poll(channel(deps))
    reads = [c for c in observer.calls if c.operation is Operation.READ_POST]
    assert sum(c.items for c in reads) == 3 and {i for c in reads for i in c.native_ids} == set(ids)
    assert all(c.account == BRAND and c.status == 200 for c in observer.calls)


def test_an_account_whose_first_poll_found_nothing_back_fills_in_full_later(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    config = XPollConfig(mentions_page_size=10, first_run_pages=1)
    x = XChannel(deps, poll_config=config, poll_dms=False)
    store = Store(x_account)
    store.poll(x)
    assert store.account.mentions.seeded and store.account.mentions.high_water is None
    ids = customer_mentions(x_emulator, 25)
    store.poll(x)
    assert store.ids() == set(ids)


def test_the_first_poll_of_a_new_account_reads_only_the_newest_page(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    ids = customer_mentions(x_emulator, 25)
    config = XPollConfig(mentions_page_size=10, first_run_pages=1)
    store = Store(x_account)
    store.poll(XChannel(deps, poll_config=config, poll_dms=False))
    assert store.ids() == set(sorted(ids, key=int)[-10:])
    assert store.account.mentions.high_water == max(ids, key=int)


def test_an_app_without_dm_access_still_gets_its_mentions(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    x_emulator.add_account(BRAND, user_token="no-dm-token", scopes=frozenset({"tweet.read"}))
    ids = customer_mentions(x_emulator, 2)
    store = Store(x_account.with_(user_token="no-dm-token", refresh_token=None))
    store.poll(channel(deps))
    assert store.ids() == set(ids)
    assert x_emulator.count("GET", "/2/dm_events", 403) == 1
