"""The connector runtime against the X emulator on a real socket, storing in a real database:
polls and streams reach the pipeline, a pass interrupted mid-pagination loses nothing, a 429
waits for its reset, refused credentials stop the account until it is reconnected, and only
one process runs an account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from atdesk.channels.backoff import ReconnectPolicy
from atdesk.channels.base import ChannelDeps, ReadBatch
from atdesk.channels.errors import TransientServerError
from atdesk.channels.registry import channel_for
from atdesk.channels.streaming import StreamConfig
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.polling import XPollConfig
from atdesk.channels.x.provider import XChannel
from atdesk.config import Settings
from atdesk.connectors.accounts import connectable_accounts
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.connectors.store import store_batch
from atdesk.domain.networks import Network
from atdesk.emulators.base import wait_until
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import STREAM_PATH, XEmulator
from atdesk.models import ChannelAccount, ChannelAlert, ChannelConnection
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from tests.connectors.conftest import (
    APP_TOKEN,
    BRAND,
    BRAND_USER_ID,
    SECRET,
    USER_TOKEN,
    account_state,
    add_brand_account,
    cases,
    drain,
    stored_posts,
)

MENTIONS = "/2/users/*/mentions"


def x_factory(network: Network, deps: ChannelDeps) -> Any:
    """Small pages (so passes have several), a full first pass, a 1 s keep-alive timeout."""
    if network is Network.X:
        return XChannel(
            deps,
            poll_config=XPollConfig(mentions_page_size=10, first_run_pages=100),
            stream_config=StreamConfig(keepalive_timeout=1.0),
        )
    return channel_for(network, deps)


def brand_state(emulator: XEmulator, **changes: Any) -> XAccount:
    account = XAccount(
        handle=BRAND,
        user_id=BRAND_USER_ID,
        user_token=USER_TOKEN,
        app_token=APP_TOKEN,
        consumer_secret=SECRET,
        base_url=emulator.base_url,
    )
    return account.with_(**changes)


def mentions(emulator: XEmulator, n: int, start: int = 0) -> list[str]:
    return [
        emulator.post(f"cust{i % 5}", f"@{BRAND} streetlight {i} is out")
        for i in range(start, start + n)
    ]


@pytest.fixture
def runtimes(app_settings: Settings) -> Iterator[Callable[..., ConnectorRuntime]]:
    made: list[ConnectorRuntime] = []

    def make(**options: Any) -> ConnectorRuntime:
        runtime = ConnectorRuntime(
            app_settings,
            EmbeddedBus(app_settings.database_url),
            **{
                "sync_every_s": 0.1,
                "default_poll_s": 0.2,
                "timeout": 2.0,
                "error_pause_s": 0.2,
                "make_channel": x_factory,
                **options,
            },
        )
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.stop()


def pending(settings: Settings) -> int:
    return EmbeddedBus(settings.database_url).pending(INBOUND)


def set_stream(settings: Settings, account_id: int, on: bool, poll_s: float = 0.2) -> None:
    with transaction(settings.database_url) as session:
        session.add(
            ChannelConnection(
                channel_account_id=account_id,
                stream_enabled=on,
                poll_interval_s=poll_s,
                status="idle",
                events_read=0,
                ignored={},
                rate_limits=[],
            )
        )


def alerts(settings: Settings) -> list[ChannelAlert]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(ChannelAlert).order_by(ChannelAlert.id)))


def connection(settings: Settings, account_id: int) -> ChannelConnection:
    with transaction(settings.database_url) as session:
        found = session.get(ChannelConnection, account_id)
        assert found is not None
        return found


def test_polling_and_the_stream_feed_the_pipeline_and_store_the_cursor(
    app_settings: Settings, x_emulator: XEmulator, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    before = mentions(x_emulator, 23)
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    runtime = runtimes().start()
    assert wait_until(lambda: pending(app_settings) >= 23, timeout=10)
    assert wait_until(lambda: x_emulator.count("GET", STREAM_PATH, 200) >= 1, timeout=10)
    live = x_emulator.post("dana", f"@{BRAND} hydrant leaking at 5th & Oak")
    assert wait_until(lambda: pending(app_settings) >= 25, timeout=10)  # stream and poll
    runtime.stop()
    drain(app_settings)

    assert set(stored_posts(app_settings)) == {*before, live}
    assert len(cases(app_settings)) == 24  # every mention starts its own conversation
    state = XAccount.from_json(account_state(app_settings, account_id))
    assert state.mentions.high_water == live and not state.mentions.in_progress
    assert [r["tag"] for r in x_emulator.rules.values()] == [f"atdesk:acct:{BRAND_USER_ID}"]
    stopped = connection(app_settings, account_id)
    assert stopped.holder is None and stopped.status == "stopped"
    assert stopped.events_read >= 25


def test_a_poll_interrupted_mid_pagination_resumes_and_loses_nothing(
    app_settings: Settings, x_emulator: XEmulator
) -> None:
    before = mentions(x_emulator, 25)
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    with transaction(app_settings.database_url) as session:
        session.add(
            ChannelConnection(
                channel_account_id=account_id,
                holder="test",
                status="running",
                events_read=0,
                ignored={},
                rate_limits=[],
            )
        )
    bus = EmbeddedBus(app_settings.database_url)
    channel = x_factory(Network.X, ChannelDeps(timeout=2.0))

    def store(batch: ReadBatch[XAccount], base: XAccount) -> None:
        with transaction(app_settings.database_url) as session:
            store_batch(
                session,
                bus,
                batch,
                account_id=account_id,
                holder="test",
                base=base,
                configured=None,
                limits=(),
                now=utcnow(),
            )

    def stored_account() -> XAccount:
        return XAccount.from_json(account_state(app_settings, account_id))

    def one_pass() -> None:
        base = stored_account()
        for batch in channel.poll(base):
            store(batch, base)
            base = batch.account

    reader = channel.poll(stored_account())
    first = next(reader)
    store(first, brand_state(x_emulator))
    assert stored_account().mentions.in_progress
    x_emulator.faults.add(FaultKind.SERVER_ERROR, path=MENTIONS, times=0, status=503)
    with pytest.raises(TransientServerError):
        next(reader)
    during = mentions(x_emulator, 4, start=100)
    x_emulator.faults.clear()

    one_pass()  # resumes the interrupted pass where its last stored page ended
    drain(app_settings)
    assert set(stored_posts(app_settings)) == set(before)
    assert stored_account().mentions.high_water == max(before, key=int)
    one_pass()
    drain(app_settings)
    assert set(stored_posts(app_settings)) == {*before, *during}


def test_a_429_waits_for_the_reset_and_the_alert_closes_when_calls_succeed(
    app_settings: Settings, x_emulator: XEmulator, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    ids = mentions(x_emulator, 3)
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    set_stream(app_settings, account_id, on=False)
    x_emulator.faults.add(FaultKind.RATE_LIMIT, path=MENTIONS, reset_in=1.0)
    runtimes().start()
    assert wait_until(lambda: pending(app_settings) >= 3, timeout=15)
    assert wait_until(lambda: any(a.closed_at for a in alerts(app_settings)), timeout=10)
    (alert,) = [a for a in alerts(app_settings) if a.kind == "rate_limited"]
    assert alert.channel_account_id == account_id and alert.account == BRAND
    assert alert.reset_at is not None and alert.closed_reason == "calls succeed again"
    assert x_emulator.count("GET", MENTIONS, 429) >= 1
    drain(app_settings)
    assert set(ids) <= set(stored_posts(app_settings))


def test_refused_credentials_stop_the_account_with_an_alert_until_it_is_reconnected(
    app_settings: Settings, x_emulator: XEmulator, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    set_stream(app_settings, account_id, on=False)
    x_emulator.revoke_token(USER_TOKEN)
    runtime = runtimes().start()
    assert wait_until(lambda: connection(app_settings, account_id).status == "auth_failed", 10)
    (alert,) = alerts(app_settings)
    assert alert.kind in ("auth_expired", "auth_revoked") and alert.closed_at is None
    assert "reconnect" in alert.message
    runner = runtime.runner(account_id)
    assert runner is not None and wait_until(lambda: not runner.alive)

    # An admin reconnects the account with a fresh token: the connector starts again.
    x_emulator.add_account(BRAND, user_token="fresh-token", user_id=BRAND_USER_ID)
    with transaction(app_settings.database_url) as session:
        row = session.get(ChannelAccount, account_id)
        assert row is not None
        row.state = brand_state(x_emulator, user_token="fresh-token").to_json()
    posted = mentions(x_emulator, 1)
    assert wait_until(lambda: pending(app_settings) >= 1, timeout=10)
    assert wait_until(lambda: alerts(app_settings)[0].closed_at is not None, timeout=10)
    drain(app_settings)
    assert set(posted) <= set(stored_posts(app_settings))


def test_only_one_process_runs_an_account(
    app_settings: Settings, x_emulator: XEmulator, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    set_stream(app_settings, account_id, on=False)
    first, second = runtimes(holder="first"), runtimes(holder="second")
    first.sync_once()
    second.sync_once()
    assert first.runner(account_id) is not None and second.runner(account_id) is None
    first.stop()
    second.sync_once()
    assert second.runner(account_id) is not None
    assert connection(app_settings, account_id).holder == "second"


def test_accounts_without_credentials_are_not_run(
    app_settings: Settings, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    add_brand_account(app_settings, Network.X, "someoneelse", "77")
    runtime = runtimes()
    runtime.sync_once()
    assert runtime.runners == {}


def test_one_x_app_streams_once_for_all_its_brands_and_other_networks_per_account(
    x_emulator: XEmulator,
) -> None:
    from atdesk.channels.mastodon.account import MastodonAccount
    from atdesk.connectors.accounts import Connectable
    from atdesk.connectors.runtime import stream_groups

    def item(account_id: int, state: Any, network: Network = Network.X) -> Connectable:
        return Connectable(account_id, 1, network, f"a{account_id}", state)

    same_app = [  # two brands' user tokens on one app (one app-only bearer)
        item(1, brand_state(x_emulator)),
        item(2, brand_state(x_emulator, handle="b", user_token="b-user-token")),
    ]
    other_app = item(3, brand_state(x_emulator, app_token="another-app"))
    mastodon = [
        item(n, MastodonAccount("m", "9", "t", "http://m.example"), Network.MASTODON)
        for n in (4, 5)
    ]
    groups = stream_groups([*same_app, other_app, *mastodon], {1: True, 5: False})
    assert {owner: [m.account_id for m in members] for owner, members in groups.items()} == {
        1: [1, 2],  # one connection carries both brands of the app
        3: [3],
        4: [4],
    }
    assert list(stream_groups(same_app, {1: False})) == [2]  # the next brand takes over


def test_the_spec_settings_connect_the_one_x_account_they_can_mean(
    app_settings: Settings, x_emulator: XEmulator
) -> None:
    configured = replace(app_settings, x_api_base=x_emulator.base_url, x_bearer_token=USER_TOKEN)
    account_id = add_brand_account(configured, Network.X, BRAND, BRAND_USER_ID)
    asked = mentions(x_emulator, 2)
    with transaction(configured.database_url) as session:
        rows = list(session.scalars(select(ChannelAccount)))
        (item,) = connectable_accounts(rows, configured)
        assert item.account_id == account_id and item.from_settings
    set_stream(configured, account_id, on=False)
    runtime = ConnectorRuntime(
        configured,
        EmbeddedBus(configured.database_url),
        sync_every_s=0.1,
        timeout=2.0,
        make_channel=x_factory,
    ).start()
    try:
        assert wait_until(lambda: pending(configured) >= 2, timeout=10)
    finally:
        runtime.stop()
    stored = account_state(configured, account_id)
    assert stored["from_settings"] is True
    assert stored["mentions"]["high_water"] == max(asked, key=int)
    drain(configured)
    assert set(asked) <= set(stored_posts(configured))

    # A second X account without credentials: the settings could mean either, so neither.
    add_brand_account(configured, Network.X, "OtherHelp", "1300000000", brand="Other")
    with transaction(configured.database_url) as session:
        rows = list(session.scalars(select(ChannelAccount)))
        assert connectable_accounts(rows, configured) == []


def flaky_streams(network: Network, deps: ChannelDeps) -> Any:
    """Streams that notice a drop within half a second and reconnect almost at once."""
    policy = ReconnectPolicy(network_step=0.01, network_cap=0.05, http_start=0.05)
    return XChannel(
        deps,
        poll_config=XPollConfig(first_run_pages=100),
        stream_config=StreamConfig(keepalive_timeout=0.5, policy=policy, failing_after=3),
    )


def test_a_stream_that_keeps_failing_raises_an_alert_that_closes_when_it_recovers(
    app_settings: Settings, x_emulator: XEmulator
) -> None:
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    x_emulator.faults.add(FaultKind.STREAM_DROP, path=STREAM_PATH, times=0)
    runtime = ConnectorRuntime(
        app_settings,
        EmbeddedBus(app_settings.database_url),
        sync_every_s=0.1,
        default_poll_s=0.5,
        timeout=2.0,
        make_channel=flaky_streams,
    ).start()
    try:
        assert wait_until(
            lambda: any(a.kind == "stream_failing" for a in alerts(app_settings)), timeout=15
        )
        x_emulator.faults.clear()
        assert wait_until(
            lambda: all(a.closed_at is not None for a in alerts(app_settings)), timeout=15
        )
    finally:
        runtime.stop()
    (alert,) = [a for a in alerts(app_settings) if a.kind == "stream_failing"]
    assert alert.channel_account_id == account_id and alert.closed_reason == "stream reconnected"


@pytest.mark.redis
def test_on_the_redis_bus_a_batch_is_sent_after_its_cursor_commits(
    app_settings: Settings, x_emulator: XEmulator, redis_url: str
) -> None:
    import redis

    from atdesk.pipeline.redis_bus import RedisBus

    index = 8 if app_settings.database_url.startswith("sqlite") else 9
    own = redis_url.rsplit("/", 1)[0] + f"/{index}"  # a database of its own: parallel tests
    redis.Redis.from_url(own).flushdb()
    bus = RedisBus(own, app_settings.database_url)
    asked = mentions(x_emulator, 3)
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    set_stream(app_settings, account_id, on=False)
    runtime = ConnectorRuntime(
        app_settings, bus, sync_every_s=0.1, timeout=2.0, make_channel=x_factory
    ).start()
    try:
        assert wait_until(lambda: bus.pending(INBOUND) >= 3, timeout=10)
    finally:
        runtime.stop()
    state = XAccount.from_json(account_state(app_settings, account_id))
    assert state.mentions.high_water == max(asked, key=int)
