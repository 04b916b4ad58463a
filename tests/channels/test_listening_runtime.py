"""Listening end to end (ADR 88): the connector runtime hands the X account its brand's
listening, the stream's rules carry it, recent search back-fills what came before, and the
pipeline stores heard posts with a case only when they ask for help."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from atdesk.channels.base import ChannelDeps
from atdesk.channels.registry import channel_for
from atdesk.channels.streaming import StreamConfig
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.polling import XPollConfig
from atdesk.channels.x.provider import XChannel
from atdesk.config import Settings
from atdesk.connectors.accounts import connectable_accounts
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.domain.networks import Network
from atdesk.emulators.base import wait_until
from atdesk.emulators.x import STREAM_PATH, XEmulator
from atdesk.models import Brand, ChannelAccount
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from tests.connectors.conftest import (  # noqa: F401 (fixtures)
    APP_TOKEN,
    BRAND,
    BRAND_USER_ID,
    SECRET,
    USER_TOKEN,
    account_state,
    add_brand_account,
    app_settings,
    cases,
    drain,
    stored_posts,
    x_emulator,
)

SEARCH = "/2/tweets/search/recent"


def factory(network: Network, deps: ChannelDeps) -> Any:
    if network is Network.X:
        return XChannel(
            deps,
            poll_config=XPollConfig(search_page_size=10, first_run_pages=100),
            stream_config=StreamConfig(keepalive_timeout=1.0),
            poll_dms=False,
        )
    return channel_for(network, deps)


@pytest.fixture
def runtime(app_settings: Settings) -> Iterator[ConnectorRuntime]:  # noqa: F811
    made = ConnectorRuntime(
        app_settings,
        EmbeddedBus(app_settings.database_url),
        sync_every_s=0.1,
        default_poll_s=0.2,
        timeout=2.0,
        error_pause_s=0.2,
        make_channel=factory,
    )
    yield made
    made.stop()


def listening_brand(settings: Settings, emulator: XEmulator) -> int:
    state = XAccount(
        handle=BRAND,
        user_id=BRAND_USER_ID,
        user_token=USER_TOKEN,
        app_token=APP_TOKEN,
        consumer_secret=SECRET,
        base_url=emulator.base_url,
    )
    account_id = add_brand_account(settings, Network.X, BRAND, BRAND_USER_ID, state)
    with transaction(settings.database_url) as session:
        brand = session.scalars(select(Brand)).one()
        brand.settings = {
            **(brand.settings or {}),
            "listening": {"terms": ["streetlight", "#cityfail"], "exclusions": ["#ad"]},
        }
    return account_id


def test_the_connector_hands_each_account_its_brands_listening_without_storing_it(
    app_settings: Settings,  # noqa: F811
    x_emulator: XEmulator,  # noqa: F811
) -> None:
    account_id = listening_brand(app_settings, x_emulator)
    with transaction(app_settings.database_url) as session:
        rows = session.scalars(select(ChannelAccount)).all()
        (item,) = connectable_accounts(rows, app_settings)
    assert isinstance(item.state, XAccount)
    assert [t.written for t in item.state.listen.terms] == ["streetlight", "#cityfail"]
    assert "listen" not in account_state(app_settings, account_id)


def test_heard_posts_arrive_by_stream_and_search_and_only_requests_open_cases(
    app_settings: Settings,  # noqa: F811
    x_emulator: XEmulator,  # noqa: F811
    runtime: ConnectorRuntime,
) -> None:
    earlier = x_emulator.post("dana", "the streetlight on Elm has been out for a week, fix it")
    listening_brand(app_settings, x_emulator)
    runtime.start()
    assert wait_until(lambda: x_emulator.count("GET", STREAM_PATH, 200) >= 1, timeout=10)
    assert wait_until(lambda: x_emulator.count("GET", SEARCH, 200) >= 1, timeout=10)
    values = {r["value"] for r in x_emulator.rules.values()}
    assert values == {f"@{BRAND}", "(streetlight OR #cityfail) -#ad -is:retweet"}
    praise = x_emulator.post("ori", "new streetlight looks great, thank you!")
    x_emulator.post("kim", "streetlight sale today #ad")
    bus = EmbeddedBus(app_settings.database_url)
    assert wait_until(lambda: bus.pending(INBOUND) >= 2, timeout=10)
    runtime.stop()
    drain(app_settings)
    posts = stored_posts(app_settings)
    assert posts[earlier].heard_as == "term" and not posts[earlier].listen_only
    assert posts[praise].heard_as == "term" and posts[praise].listen_only
    assert all("#ad" not in p.text for p in posts.values())
    (case,) = cases(app_settings)
    assert case.conversation_id == posts[earlier].conversation_id
