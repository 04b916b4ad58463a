"""The X filtered stream over a real socket: keep-alives, stalls, drops, backoff, alerts."""

from __future__ import annotations

import time

import pytest

from atdesk.channels.backoff import Backoff, ReconnectPolicy, StreamFailure
from atdesk.channels.base import ChannelDeps
from atdesk.channels.errors import AuthExpired
from atdesk.channels.observer import HealthKind, RecordingObserver
from atdesk.channels.streaming import StreamConfig
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.emulators.base import wait_until
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import STREAM_PATH, XEmulator
from tests.channels.conftest import APP_TOKEN, BRAND, RecordingClock
from tests.channels.streams import StreamRun, running

FAST = StreamConfig(keepalive_timeout=1.0)


def stream_ids(run: StreamRun) -> list[str]:
    return [e.payload["tweet"]["id"] for e in run.events()]


def connections(emulator: XEmulator, status: int = 200) -> int:
    return emulator.count("GET", STREAM_PATH, status)


def test_the_documented_numbers_detect_a_dead_stream_within_30_seconds() -> None:
    default = StreamConfig()
    assert default.keepalive_timeout == 20.0
    assert default.policy.worst_detection_delay(default.keepalive_timeout) == 20.25
    assert default.policy.worst_detection_delay(default.keepalive_timeout) < 30


def test_reconnect_delays_follow_the_documented_policy() -> None:
    backoff = Backoff(ReconnectPolicy())
    assert [backoff.next_delay(StreamFailure.NETWORK) for _ in range(3)] == [0.25, 0.5, 0.75]
    assert max(backoff.next_delay(StreamFailure.NETWORK) for _ in range(100)) == 16.0
    backoff.reset()
    assert [backoff.next_delay(StreamFailure.HTTP) for _ in range(8)] == [
        5,
        10,
        20,
        40,
        80,
        160,
        320,
        320,
    ]
    backoff.reset()
    assert [backoff.next_delay(StreamFailure.RATE_LIMIT) for _ in range(3)] == [60, 120, 240]


def test_posts_arrive_on_the_stream_with_the_brands_rule(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        first = x_emulator.post("dana", f"@{BRAND} water main burst on 5th")
        x_emulator.post("dana", "unrelated chatter")
        assert wait_until(lambda: stream_ids(run) == [first])
    rules = list(x_emulator.rules.values())
    assert rules == [
        {"id": rules[0]["id"], "value": f"@{BRAND}", "tag": f"atdesk:acct:{x_account.user_id}"}
    ]
    assert all(b.account == x_account for b in run.batches)
    post = NORMALIZERS["x.tweet"](run.events()[0].payload)
    assert post.author.handle == "dana" and post.to_handle == BRAND


def test_a_stalled_stream_is_detected_by_silence_and_reconnected(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        stalled_at = time.monotonic()
        x_emulator.faults.add(FaultKind.STREAM_STALL, path=STREAM_PATH, delay=30.0)
        assert wait_until(lambda: connections(x_emulator) == 2, timeout=5)
        noticed_after = time.monotonic() - stalled_at
        after = x_emulator.post("dana", f"@{BRAND} still no water")
        assert wait_until(lambda: after in stream_ids(run))
    bound = FAST.policy.worst_detection_delay(FAST.keepalive_timeout)
    assert FAST.keepalive_timeout * 0.9 <= noticed_after < bound + 1.0
    assert run.error is None


@pytest.mark.parametrize("kind", [FaultKind.STREAM_DROP, FaultKind.STREAM_DISCONNECT])
def test_a_dropped_stream_reconnects_and_delivers_again(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, kind: FaultKind
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        x_emulator.faults.add(kind, path=STREAM_PATH)
        assert wait_until(lambda: connections(x_emulator) == 2)
        after = x_emulator.post("dana", f"@{BRAND} hello again")
        assert wait_until(lambda: after in stream_ids(run))


def test_a_stream_that_keeps_failing_alerts_backs_off_and_recovers(
    x_emulator: XEmulator, x_account: XAccount, observer: RecordingObserver
) -> None:
    clock = RecordingClock(max_real_wait=0.01)
    deps = ChannelDeps(observer=observer, clock=clock, timeout=2.0)
    x_emulator.faults.add(FaultKind.STREAM_DROP, path=STREAM_PATH, times=4)
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 5)
        assert wait_until(lambda: HealthKind.RECOVERED in observer.kinds())
    assert clock.sleeps[:4] == [0.25, 0.5, 0.75, 1.0]
    failing = [n for n in observer.notices if n.kind is HealthKind.STREAM_FAILING]
    assert len(failing) == 1 and failing[0].failures == 3
    assert observer.kinds()[-1] is HealthKind.RECOVERED
    assert run.error is None


def test_http_errors_and_429_back_off_exponentially(
    x_emulator: XEmulator, x_account: XAccount, observer: RecordingObserver
) -> None:
    clock = RecordingClock(max_real_wait=0.01)
    deps = ChannelDeps(observer=observer, clock=clock, timeout=2.0)
    x_emulator.faults.add(FaultKind.SERVER_ERROR, path=STREAM_PATH, times=3, status=503)
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account):
        assert wait_until(lambda: connections(x_emulator) == 1)
    assert clock.sleeps[:3] == [5.0, 10.0, 20.0]
    clock.sleeps.clear()
    x_emulator.faults.add(FaultKind.RATE_LIMIT, path=STREAM_PATH, reset_in=3.0)
    with running(channel.stream, x_account):
        assert wait_until(lambda: len(clock.sleeps) >= 2)
    assert clock.sleeps[:2] == [60.0, 120.0]


def test_a_second_connection_is_refused_and_backs_off_like_a_429(
    x_emulator: XEmulator, x_account: XAccount, observer: RecordingObserver
) -> None:
    clock = RecordingClock(max_real_wait=0.01)
    deps = ChannelDeps(observer=observer, clock=clock, timeout=2.0)
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account):
        assert wait_until(lambda: connections(x_emulator) == 1)
        with running(channel.stream, x_account):
            assert wait_until(lambda: connections(x_emulator, 429) >= 1)
            assert wait_until(lambda: 60.0 in clock.sleeps)


def test_duplicate_deliveries_share_one_key(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    with running(channel.stream, x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        x_emulator.faults.add(FaultKind.DUPLICATE, path=STREAM_PATH)
        tweet_id = x_emulator.post("dana", f"@{BRAND} twice?")
        assert wait_until(lambda: len(stream_ids(run)) == 2)
    posts = [NORMALIZERS["x.tweet"](e.payload) for e in run.events()]
    assert {p.key for p in posts} == {("x", tweet_id)}


def test_bad_credentials_end_the_stream_with_an_alert(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    x_emulator.revoke_token(APP_TOKEN)
    x_emulator.revoke_token(x_account.user_token)
    with running(channel.stream, x_account) as run:
        assert wait_until(lambda: run.error is not None)
    assert isinstance(run.error, AuthExpired)
    assert observer.kinds() == [HealthKind.AUTH_EXPIRED]
