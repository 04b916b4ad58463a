"""The same post arriving by webhook (the real app on a socket), stream and poll (the connector
runtime) is stored once, in one case; the brand's own reply, a like and a follow open nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from sqlalchemy import select

from atdesk.channels.base import ChannelDeps
from atdesk.config import Settings
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.emulators.base import wait_until
from atdesk.emulators.x import STREAM_PATH, XEmulator
from atdesk.models import Case, ChannelAccount, ChannelAlert, ChannelConnection
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.factories import PASSWORD, staff
from tests.connectors.conftest import (
    BRAND,
    BRAND_USER_ID,
    account_state,
    add_brand_account,
    cases,
    drain,
    stored_posts,
)
from tests.connectors.test_runtime import brand_state, runtimes, x_factory
from tests.web.server import serving

__all__ = ["runtimes"]  # the fixture, shared with the runtime tests


def pending(settings: Settings) -> int:
    return EmbeddedBus(settings.database_url).pending(INBOUND)


def test_webhook_stream_and_poll_store_one_post_and_one_case(
    app_settings: Settings, x_emulator: XEmulator, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    with serving(create_app(app_settings)) as base_url:
        # X registers the webhook only after our app answered its CRC challenge.
        channel = x_factory(Network.X, ChannelDeps(timeout=3.0))
        registered = channel.register_webhook(brand_state(x_emulator), f"{base_url}/webhooks/x")
        with transaction(app_settings.database_url) as session:
            row = session.get(ChannelAccount, account_id)
            assert row is not None
            row.state = registered.to_json()
        runtime = runtimes(webhook_check_s=0.3).start()
        assert wait_until(lambda: x_emulator.count("GET", STREAM_PATH, 200) >= 1, timeout=10)
        polled_before = x_emulator.count("GET", "/2/users/*/mentions", 200)

        asked = x_emulator.post("dana", f"@{BRAND} hydrant leaking at 5th & Oak")
        own = x_emulator.post(BRAND, "Crews are out on Elm St today")
        x_emulator.like("ori", own)
        x_emulator.follow("ori", BRAND)
        assert wait_until(lambda: pending(app_settings) >= 3, timeout=10)  # hook, stream, poll
        assert wait_until(
            lambda: x_emulator.count("GET", "/2/users/*/mentions", 200) > polled_before + 1, 10
        )
        x_emulator.flush_deliveries()
        runtime.stop()

    hooks = [d for d in x_emulator.deliveries if d.status is not None]
    assert hooks and all(d.status == 200 for d in hooks)
    assert "tweet_create_events" in hooks[0].payload()
    assert any("favorite_events" in d.payload() for d in hooks)
    drain(app_settings)
    assert set(stored_posts(app_settings)) == {asked}  # not the brand's own post
    (case,) = cases(app_settings)
    assert case.network == "x"
    with transaction(app_settings.database_url) as session:
        connection = session.get(ChannelConnection, account_id)
        assert connection is not None
        assert connection.ignored.get("like", 0) >= 1
        assert connection.ignored.get("follow", 0) >= 1
        assert connection.ignored.get("self_echo", 0) >= 1  # the brand's own post
        assert len(session.scalars(select(Case)).all()) == 1
    assert account_state(app_settings, account_id)["webhook_id"] == registered.webhook_id


def test_a_webhook_marked_invalid_raises_an_alert_and_a_new_crc_closes_it(
    app_settings: Settings, x_emulator: XEmulator, runtimes: Callable[..., ConnectorRuntime]
) -> None:
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    with serving(create_app(app_settings)) as base_url:
        channel = x_factory(Network.X, ChannelDeps(timeout=3.0))
        registered = channel.register_webhook(brand_state(x_emulator), f"{base_url}/webhooks/x")
        assert registered.webhook_id is not None
        with transaction(app_settings.database_url) as session:
            row = session.get(ChannelAccount, account_id)
            assert row is not None
            row.state = registered.to_json()
        x_emulator.invalidate_webhook(registered.webhook_id)
        runtime = runtimes(webhook_check_s=0.2).start()

        def closed_alert() -> ChannelAlert | None:
            with transaction(app_settings.database_url) as session:
                return session.scalar(
                    select(ChannelAlert).where(
                        ChannelAlert.kind == "webhook_invalid", ChannelAlert.closed_at.is_not(None)
                    )
                )

        assert wait_until(lambda: closed_alert() is not None, timeout=10)
        runtime.stop()
    alert = closed_alert()
    assert alert is not None and alert.channel_account_id == account_id
    assert "CRC" in alert.message and alert.closed_reason == "webhook passed a new CRC check"


def test_an_admin_registers_the_x_webhook_from_the_channel_page(
    app_settings: Settings, x_emulator: XEmulator
) -> None:
    account_id = add_brand_account(
        app_settings, Network.X, BRAND, BRAND_USER_ID, brand_state(x_emulator)
    )
    with transaction(app_settings.database_url) as session:
        staff(session, "root", Role.ADMIN)
    with serving(create_app(app_settings)) as base_url, httpx.Client(base_url=base_url) as web:

        def token(path: str) -> str:
            found = re.search(r'name="csrf_token" value="([^"]+)"', web.get(path).text)
            assert found
            return found.group(1)

        web.post(
            "/login",
            data={"username": "root", "password": PASSWORD, "csrf_token": token("/login")},
        )
        answer = web.post(
            f"/admin/channels/{account_id}/x-webhook",
            data={"csrf_token": token("/admin/channels"), "url": f"{base_url}/webhooks/x"},
        )
        assert answer.status_code == 303
        page = web.get("/admin/channels").text
    webhook_id = account_state(app_settings, account_id)["webhook_id"]
    assert webhook_id and f"#{webhook_id}" in page
    assert x_emulator.webhooks[webhook_id].valid
    assert x_emulator.webhooks[webhook_id].url == f"{base_url}/webhooks/x"
    assert BRAND_USER_ID in x_emulator.webhooks[webhook_id].subscribers
