"""A brand with its X account in a real migrated database, emulators on real sockets, and
the pipeline drained from the bus so tests look at stored posts and cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from atdesk.brands.service import add_account, create_brand
from atdesk.channels.base import AccountState
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from atdesk.models import Case, ChannelAccount
from atdesk.models import Post as PostRow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.prepare import handle_inbound
from atdesk.storage.session import transaction

BRAND = "CityWorksHelp"
BRAND_USER_ID = "1200000000"
SECRET = "test-consumer-secret"
USER_TOKEN = "brand-user-token"
APP_TOKEN = "brand-app-token"


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    """The test settings with the X app's consumer secret (SPEC §6)."""
    return replace(settings, x_consumer_secret=SECRET)


def add_brand_account(
    settings: Settings,
    network: Network,
    handle: str,
    native_user_id: str | None,
    state: AccountState | None = None,
    brand: str = "City Works",
) -> int:
    """A brand (made on first use) and its account on a network; returns the account id."""
    with transaction(settings.database_url) as session:
        from atdesk.models import Brand

        found = session.scalar(select(Brand).where(Brand.name == brand))
        found = found or create_brand(session, brand)
        account = add_account(session, found, network, handle, native_user_id)
        account.state = state.to_json() if state is not None else {}
        return account.id


def drain(settings: Settings) -> int:
    """Run the pipeline over everything on the bus; returns how many messages it handled."""
    bus = EmbeddedBus(settings.database_url)
    handled = 0
    while count := bus.consume(INBOUND, handle_inbound):
        handled += count
    return handled


def stored_posts(settings: Settings) -> dict[str, PostRow]:
    """Every stored post by native id."""
    with transaction(settings.database_url) as session:
        return {p.native_id: p for p in session.scalars(select(PostRow))}


def count(settings: Settings, model: Any) -> int:
    """Rows of a table."""
    with transaction(settings.database_url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def cases(settings: Settings) -> list[Case]:
    """Every case."""
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(Case)))


def account_state(settings: Settings, account_id: int) -> dict[str, Any]:
    """The JSON stored for an account."""
    with transaction(settings.database_url) as session:
        row = session.get(ChannelAccount, account_id)
        assert row is not None
        return dict(row.state)


@pytest.fixture
def x_emulator() -> Iterator[XEmulator]:
    """An X emulator signing webhooks with the app's consumer secret."""
    emulator = XEmulator(keepalive_interval=0.2, consumer_secret=SECRET)
    emulator.add_account(
        BRAND, user_token=USER_TOKEN, app_token=APP_TOKEN, user_id=BRAND_USER_ID, name="City Works"
    )
    with emulator:
        yield emulator
    assert emulator.validation_errors == []
