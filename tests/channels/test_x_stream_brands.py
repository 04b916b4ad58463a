"""One X app's filtered stream carrying several brands, over a real socket: each brand's tagged
rule, posts routed by `matching_rules`, rules reconciled on connect, and a change of brands
reconnecting at once without counting as a failure."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from atdesk.channels.base import ChannelDeps, EventKind
from atdesk.channels.observer import RecordingObserver
from atdesk.channels.streaming import StreamConfig
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.provider import XChannel
from atdesk.channels.x.stream_rules import StreamMembers, plan_rules, rule_tag
from atdesk.emulators.base import wait_until
from atdesk.emulators.x import STREAM_PATH, XEmulator
from tests.channels.conftest import BRAND, RecordingClock
from tests.channels.streams import StreamRun, running

BANK = "HarborBankHelp"
FAST = StreamConfig(keepalive_timeout=1.0)


@pytest.fixture
def bank(x_emulator: XEmulator, x_account: XAccount) -> XAccount:
    """A second brand whose user token was granted to the same app."""
    user_id = x_emulator.add_account(BANK, user_token="bank-user-token", name="Harbor Bank")
    return x_account.with_(handle=BANK, user_id=user_id, user_token="bank-user-token")


def app_stream(channel: XChannel, brands: StreamMembers) -> Callable[..., None]:
    """`channel.stream_app` for these brands, shaped like `stream` for `running`."""
    return lambda app, on_batch, stop: channel.stream_app(app, brands, on_batch, stop)


def connections(emulator: XEmulator, status: int = 200) -> int:
    return emulator.count("GET", STREAM_PATH, status)


def routed(run: StreamRun) -> list[tuple[str, str]]:
    """(brand handle, post id) for every event, in arrival order."""
    with run.lock:
        return [(b.account.handle, e.payload["tweet"]["id"]) for b in run.batches for e in b.events]


def tags(emulator: XEmulator) -> dict[str, str]:
    return {r.get("tag", ""): r["value"] for r in emulator.rules.values()}


def test_one_connection_carries_both_brands_and_a_post_for_both_reaches_both(
    x_emulator: XEmulator, x_account: XAccount, bank: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    brands = StreamMembers([x_account, bank])
    with running(app_stream(channel, brands), x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        city = x_emulator.post("dana", f"@{BRAND} streetlight out on Elm")
        harbor = x_emulator.post("ori", f"@{BANK} card declined twice")
        both = x_emulator.post("kim", f"@{BRAND} @{BANK} your ATM flooded the street")
        x_emulator.post("kim", "nothing for anybody")
        assert wait_until(lambda: len(routed(run)) == 4)
    assert routed(run) == [(BRAND, city), (BANK, harbor), (BRAND, both), (BANK, both)]
    assert connections(x_emulator) == 1
    assert tags(x_emulator) == {rule_tag(x_account): f"@{BRAND}", rule_tag(bank): f"@{BANK}"}
    payloads = {b.account.handle: b.events[0].payload for b in run.batches if b.events}
    assert payloads[BANK]["brand"] == {"user_id": bank.user_id, "handle": BANK}


def test_a_brand_writing_to_another_brand_is_its_own_echo_and_the_others_mention(
    x_emulator: XEmulator, x_account: XAccount, bank: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    brands = StreamMembers([x_account, bank])
    with running(app_stream(channel, brands), x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        post = x_emulator.post(BRAND, f"@{BANK} thanks for the quick fix @{BRAND}")
        assert wait_until(lambda: len(run.batches) >= 2)
    by_brand = {b.account.handle: b for b in run.batches}
    assert [e.payload["tweet"]["id"] for e in by_brand[BANK].events] == [post]
    assert by_brand[BRAND].events == ()
    assert [i.kind for i in by_brand[BRAND].ignored] == [EventKind.SELF_ECHO]


def test_rules_are_reconciled_on_connect_and_other_rules_of_the_app_left_alone(
    x_emulator: XEmulator, x_account: XAccount, bank: XAccount, deps: ChannelDeps
) -> None:
    app = x_emulator.apps["app"]
    app.rules.update(
        {
            "11": {"id": "11", "value": f"@{BRAND}", "tag": f"atdesk:{x_account.user_id}"},
            "12": {"id": "12", "value": "@GoneHelp", "tag": "atdesk:acct:999"},
            "13": {"id": "13", "value": "flooding", "tag": "marketing"},
            "14": {"id": "14", "value": f"@{BANK}", "tag": "their-dashboard"},
            "15": {"id": "15", "value": "untagged"},
        }
    )
    channel = XChannel(deps, stream_config=FAST)
    brands = StreamMembers([x_account, bank])
    with running(app_stream(channel, brands), x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        harbor = x_emulator.post("ori", f"@{BANK} where is my card")
        x_emulator.post("kim", "flooding downtown")
        assert wait_until(lambda: routed(run) == [(BANK, harbor)])
        assert wait_until(lambda: any(b.ignored for b in run.batches))
    assert tags(x_emulator) == {
        rule_tag(x_account): f"@{BRAND}",  # the one-brand tag of ADR 60, replaced
        "marketing": "flooding",
        "their-dashboard": f"@{BANK}",  # someone else's rule for the brand: shared, not doubled
        "": "untagged",
    }
    (noise,) = [i for b in run.batches for i in b.ignored]
    assert noise.kind is EventKind.OTHER and "no brand" in noise.reason
    assert [b.account for b in run.batches if b.ignored] == [x_account]


def test_a_change_of_brands_reconciles_the_rules_on_the_open_connection(
    x_emulator: XEmulator, x_account: XAccount, bank: XAccount, observer: RecordingObserver
) -> None:
    clock = RecordingClock(max_real_wait=0.01)
    channel = XChannel(ChannelDeps(observer=observer, clock=clock, timeout=2.0), stream_config=FAST)
    brands = StreamMembers([x_account])
    with running(app_stream(channel, brands), x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        assert brands.replace([x_account, bank])
        assert wait_until(lambda: set(tags(x_emulator)) == {rule_tag(x_account), rule_tag(bank)})
        harbor = x_emulator.post("ori", f"@{BANK} card declined")
        assert wait_until(lambda: routed(run) == [(BANK, harbor)])

        assert brands.replace([x_account])  # the bank's account was removed
        assert not brands.replace([x_account])  # the same brands again: nothing to do
        assert wait_until(lambda: set(tags(x_emulator)) == {rule_tag(x_account)})
        x_emulator.post("ori", f"@{BANK} hello?")
        city = x_emulator.post("dana", f"@{BRAND} still here")
        assert wait_until(lambda: (BRAND, city) in routed(run))
    assert routed(run) == [(BANK, harbor), (BRAND, city)]
    assert connections(x_emulator) == 1  # no reconnect, so no 429 while X drops the old one
    assert clock.sleeps == [] and observer.notices == [] and run.error is None


def test_a_brand_removed_while_the_stream_was_down_loses_its_rule_on_the_next_connect(
    x_emulator: XEmulator, x_account: XAccount, bank: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    channel.reconcile_stream_rules(x_account, [x_account, bank])
    assert set(tags(x_emulator)) == {rule_tag(x_account), rule_tag(bank)}
    with running(channel.stream, x_account):
        assert wait_until(lambda: connections(x_emulator) == 1)
    assert set(tags(x_emulator)) == {rule_tag(x_account)}


def test_a_refused_rule_leaves_the_other_brands_streaming(
    x_emulator: XEmulator, x_account: XAccount, bank: XAccount, deps: ChannelDeps
) -> None:
    x_emulator.apps["app"].rule_cap = 1
    channel = XChannel(deps, stream_config=FAST)
    brands = StreamMembers([x_account, bank])
    with running(app_stream(channel, brands), x_account) as run:
        assert wait_until(lambda: connections(x_emulator) == 1)
        city = x_emulator.post("dana", f"@{BRAND} hydrant open")
        assert wait_until(lambda: routed(run) == [(BRAND, city)])
    assert run.error is None


def test_the_plan_keeps_adds_and_deletes_only_what_it_must() -> None:
    city = XAccount(handle="@CityWorksHelp", user_id="1", user_token="t")
    bank = XAccount(handle="HarborBankHelp", user_id="2", user_token="t")
    existing = [
        {"id": "1", "value": "@CityWorksHelp", "tag": "atdesk:acct:1"},
        {"id": "2", "value": "@CityWorksHelp", "tag": "atdesk:acct:1"},  # a double: dropped
        {"id": "3", "value": "@OldName", "tag": "atdesk:acct:2"},  # the bank renamed itself
        {"id": "4", "value": "anything", "tag": "atdesk-ish"},
    ]
    plan = plan_rules(existing, [city, bank])
    assert plan.delete == ("2", "3")
    assert plan.add == ({"value": "@HarborBankHelp", "tag": "atdesk:acct:2"},)
    assert plan.kept == {"1": "1"}
    assert plan_rules([], []) == plan_rules([{"id": "9", "value": "x", "tag": "t"}], [])
