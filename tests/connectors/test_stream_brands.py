"""Several brands on one X app through the connector runtime, the X emulator on a socket and a
real database: one stream connection carries every brand's mentions to its own brand, a post
for both reaches both, a removed brand loses its rule, a failing stream still alerts and
recovers, and the same post by stream and poll is stored once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select

from atdesk.config import Settings
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.domain.networks import Network
from atdesk.emulators.base import wait_until
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import STREAM_PATH, XEmulator
from atdesk.models import Brand, BusMessage, ChannelAccount, ChannelAlert, ChannelConnection
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from tests.connectors.conftest import (
    BRAND,
    BRAND_USER_ID,
    add_brand_account,
    cases,
    drain,
    stored_posts,
)
from tests.connectors.test_runtime import brand_state, flaky_streams, runtimes, set_stream

__all__ = ["runtimes"]  # the fixture, shared with the runtime tests

BANK = "HarborBankHelp"
BANK_USER_ID = "1200000077"
BANK_TOKEN = "bank-user-token"
MENTIONS = "/2/users/*/mentions"


@pytest.fixture
def two_brands(app_settings: Settings, x_emulator: XEmulator) -> tuple[int, int]:
    """City Works and Harbor Bank, each with its own user token, on the one app."""
    x_emulator.add_account(BANK, user_token=BANK_TOKEN, user_id=BANK_USER_ID, name="Harbor Bank")
    city = add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator))
    bank_state = brand_state(x_emulator, handle=BANK, user_id=BANK_USER_ID, user_token=BANK_TOKEN)
    bank = add_brand_account(
        app_settings, Network.X, BANK, BANK_USER_ID, bank_state, brand="Harbor Bank"
    )
    return city, bank


def connection(settings: Settings, account_id: int) -> ChannelConnection | None:
    with transaction(settings.database_url) as session:
        return session.get(ChannelConnection, account_id)


def first_passes_done(settings: Settings, *account_ids: int) -> bool:
    found = [connection(settings, a) for a in account_ids]
    return all(c is not None and c.last_ok_at is not None for c in found)


def rule_tags(emulator: XEmulator) -> set[str]:
    return {r.get("tag", "") for r in emulator.rules.values()}


def both_tags() -> set[str]:
    return {f"atdesk:acct:{BRAND_USER_ID}", f"atdesk:acct:{BANK_USER_ID}"}


def pending(settings: Settings) -> int:
    return EmbeddedBus(settings.database_url).pending(INBOUND)


def brand_names(settings: Settings) -> dict[int, str]:
    with transaction(settings.database_url) as session:
        return {b.id: b.name for b in session.scalars(select(Brand))}


def alerts(settings: Settings) -> list[ChannelAlert]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(ChannelAlert).order_by(ChannelAlert.id)))


def reading(
    make: Callable[..., ConnectorRuntime],
    settings: Settings,
    emulator: XEmulator,
    accounts: tuple[int, int],
    poll_s: float = 3600.0,
) -> ConnectorRuntime:
    """Both brands read, stream on and `poll_s` between passes (an hour: after its first pass
    a brand is heard only through the stream), once the stream and first passes are done."""
    for account_id in accounts:
        set_stream(settings, account_id, on=True, poll_s=poll_s)
    runtime = make().start()
    assert wait_until(lambda: emulator.count("GET", STREAM_PATH, 200) == 1, timeout=10)
    assert wait_until(lambda: both_tags() <= rule_tags(emulator), timeout=10)
    assert wait_until(lambda: first_passes_done(settings, *accounts), timeout=10)
    return runtime


def test_one_connection_carries_both_brands_and_a_post_for_both_reaches_both(
    app_settings: Settings,
    x_emulator: XEmulator,
    two_brands: tuple[int, int],
    runtimes: Callable[..., ConnectorRuntime],
) -> None:
    city_id, bank_id = two_brands
    runtime = reading(runtimes, app_settings, x_emulator, two_brands)
    assert rule_tags(x_emulator) == both_tags()
    polled = x_emulator.count("GET", MENTIONS)

    city = x_emulator.post("dana", f"@{BRAND} streetlight out on Elm")
    harbor = x_emulator.post("ori", f"@{BANK} my card was declined twice")
    both = x_emulator.post("kim", f"@{BRAND} @{BANK} your ATM flooded the street")
    assert wait_until(lambda: pending(app_settings) >= 4, timeout=10)  # `both` once per brand
    city_runner, bank_runner = runtime.runner(city_id), runtime.runner(bank_id)
    assert city_runner is not None and city_runner.stream_enabled
    assert bank_runner is not None and not bank_runner.stream_enabled  # carried by city's
    runtime.stop()

    assert x_emulator.count("GET", STREAM_PATH, 200) == 1
    assert x_emulator.count("GET", STREAM_PATH, 429) == 0
    assert x_emulator.count("GET", MENTIONS) == polled  # everything came by the stream
    for account_id in two_brands:  # each brand counted its own, and `both`
        found = connection(app_settings, account_id)
        assert found is not None and found.events_read == 2
    with transaction(app_settings.database_url) as session:
        published = list(session.scalars(select(BusMessage.payload)))
    brands_of_both = [
        m["payload"]["brand"]["handle"] for m in published if m["payload"]["tweet"]["id"] == both
    ]
    assert sorted(brands_of_both) == [BRAND, BANK]

    drain(app_settings)
    posts = stored_posts(app_settings)
    assert set(posts) == {city, harbor, both}  # `both` is stored once (network, native id)
    names = brand_names(app_settings)
    assert names[posts[city].brand_id or 0] == "City Works"
    assert names[posts[harbor].brand_id or 0] == "Harbor Bank"
    # One post, one case (ADR 65): the brand whose event came first, as its rule came first.
    assert names[posts[both].brand_id or 0] == "City Works"
    assert len(cases(app_settings)) == 3


def test_removing_a_brands_account_deletes_its_rule_on_the_open_stream(
    app_settings: Settings,
    x_emulator: XEmulator,
    two_brands: tuple[int, int],
    runtimes: Callable[..., ConnectorRuntime],
) -> None:
    bank_id = two_brands[1]
    x_emulator.rules["5"] = {"id": "5", "value": "flooding", "tag": "their-dashboard"}
    runtime = reading(runtimes, app_settings, x_emulator, two_brands)
    assert rule_tags(x_emulator) == {*both_tags(), "their-dashboard"}

    with transaction(app_settings.database_url) as session:
        session.execute(
            delete(ChannelConnection).where(ChannelConnection.channel_account_id == bank_id)
        )
        session.execute(delete(ChannelAccount).where(ChannelAccount.id == bank_id))
    assert wait_until(lambda: runtime.runner(bank_id) is None, timeout=10)
    assert wait_until(
        lambda: rule_tags(x_emulator) == {f"atdesk:acct:{BRAND_USER_ID}", "their-dashboard"},
        timeout=10,
    )
    x_emulator.post("ori", f"@{BANK} anyone there?")
    city = x_emulator.post("dana", f"@{BRAND} hydrant open on 5th")
    assert wait_until(lambda: pending(app_settings) >= 1, timeout=10)
    runtime.stop()
    drain(app_settings)
    assert set(stored_posts(app_settings)) == {city}
    assert x_emulator.count("GET", STREAM_PATH, 200) == 1  # changed on the open connection


def test_a_brand_removed_while_nothing_ran_loses_its_rule_when_the_stream_connects(
    app_settings: Settings,
    x_emulator: XEmulator,
    two_brands: tuple[int, int],
    runtimes: Callable[..., ConnectorRuntime],
) -> None:
    runtime = runtimes().start()
    assert wait_until(lambda: rule_tags(x_emulator) == both_tags(), timeout=10)
    runtime.stop()
    assert wait_until(lambda: not x_emulator.apps["app"].streams)  # X let the connection go
    with transaction(app_settings.database_url) as session:
        row = session.get(ChannelAccount, two_brands[1])
        assert row is not None
        row.state = {}  # disconnected: no credentials any more
    runtimes().start()
    assert wait_until(lambda: x_emulator.count("GET", STREAM_PATH, 200) == 2, timeout=10)
    assert rule_tags(x_emulator) == {f"atdesk:acct:{BRAND_USER_ID}"}


def test_a_failing_shared_stream_alerts_once_recovers_and_carries_both_brands_again(
    app_settings: Settings,
    x_emulator: XEmulator,
    two_brands: tuple[int, int],
    runtimes: Callable[..., ConnectorRuntime],
) -> None:
    city_id, bank_id = two_brands
    for account_id in two_brands:
        set_stream(app_settings, account_id, on=True, poll_s=3600)
    x_emulator.faults.add(FaultKind.STREAM_DROP, path=STREAM_PATH, times=0)
    runtimes(make_channel=flaky_streams).start()
    assert wait_until(lambda: any(a.kind == "stream_failing" for a in alerts(app_settings)), 15)
    x_emulator.faults.clear()
    assert wait_until(lambda: all(a.closed_at for a in alerts(app_settings)), timeout=15)
    assert wait_until(lambda: first_passes_done(app_settings, city_id, bank_id), timeout=10)
    harbor = x_emulator.post("ori", f"@{BANK} card declined")
    assert wait_until(lambda: pending(app_settings) >= 1, timeout=10)
    (alert,) = alerts(app_settings)
    assert alert.kind == "stream_failing" and alert.channel_account_id == city_id
    assert alert.closed_reason == "stream reconnected"
    drain(app_settings)
    assert set(stored_posts(app_settings)) == {harbor}


def test_the_same_post_by_stream_and_poll_is_stored_once_for_the_brand_it_was_read_for(
    app_settings: Settings,
    x_emulator: XEmulator,
    two_brands: tuple[int, int],
    runtimes: Callable[..., ConnectorRuntime],
) -> None:
    reading(runtimes, app_settings, x_emulator, two_brands, poll_s=0.2)
    polled = x_emulator.count("GET", MENTIONS, 200)
    harbor = x_emulator.post("ori", f"@{BANK} the branch on Main is closed?")
    assert wait_until(lambda: pending(app_settings) >= 2, timeout=10)  # stream and poll
    assert wait_until(lambda: x_emulator.count("GET", MENTIONS, 200) > polled + 2, timeout=10)
    drain(app_settings)
    posts = stored_posts(app_settings)
    assert set(posts) == {harbor}
    assert brand_names(app_settings)[posts[harbor].brand_id or 0] == "Harbor Bank"
    (case,) = cases(app_settings)
    assert case.brand_id == posts[harbor].brand_id
