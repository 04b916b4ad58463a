"""Emulators on real loopback sockets, brand accounts pointed at them, and test clocks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from atdesk.channels.base import ChannelDeps, RetryPolicy
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.observer import RecordingObserver
from atdesk.channels.x.account import XAccount
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.emulators.x import XEmulator

BRAND = "CityWorksHelp"
USER_TOKEN = "brand-user-token"
APP_TOKEN = "brand-app-token"
REFRESH_TOKEN = "brand-refresh-token"
CLIENT_ID = "atdesk-client"


class RecordingClock:
    """Real time, but waits are recorded and shortened: backoff is asserted, not endured."""

    def __init__(self, max_real_wait: float = 0.0) -> None:
        self.sleeps: list[float] = []
        self.max_real_wait = max_real_wait
        self._lock = threading.Lock()

    def time(self) -> float:
        """The real wall clock (the emulators use it too)."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Record the wait; really wait at most `max_real_wait`."""
        with self._lock:
            self.sleeps.append(seconds)
        time.sleep(min(seconds, self.max_real_wait))


@pytest.fixture
def observer() -> RecordingObserver:
    """Collects API calls and health notices."""
    return RecordingObserver()


@pytest.fixture
def clock() -> RecordingClock:
    """Records backoff waits without enduring them."""
    return RecordingClock()


@pytest.fixture
def deps(observer: RecordingObserver, clock: RecordingClock) -> ChannelDeps:
    """Short timeouts so fault tests stay fast."""
    return ChannelDeps(observer=observer, clock=clock, timeout=2.0, retry=RetryPolicy())


@pytest.fixture
def x_emulator() -> Iterator[XEmulator]:
    """An X emulator with the brand account; schema problems fail the test."""
    emulator = XEmulator(keepalive_interval=0.2)
    emulator.add_account(
        BRAND,
        user_token=USER_TOKEN,
        app_token=APP_TOKEN,
        refresh_token=REFRESH_TOKEN,
        client_id=CLIENT_ID,
        name="City Works",
    )
    with emulator:
        yield emulator
    assert emulator.validation_errors == []


@pytest.fixture
def x_account(x_emulator: XEmulator) -> XAccount:
    """The brand's account state, pointed at the emulator."""
    return XAccount(
        handle=BRAND,
        user_id=x_emulator.find_user(BRAND) or "",
        user_token=USER_TOKEN,
        app_token=APP_TOKEN,
        consumer_secret=x_emulator.consumer_secret,
        refresh_token=REFRESH_TOKEN,
        client_id=CLIENT_ID,
        base_url=x_emulator.base_url,
    )


MASTODON_BRAND = "help"
MASTODON_TOKEN = "help-token"


@pytest.fixture
def mastodon_emulator() -> Iterator[MastodonEmulator]:
    """A Mastodon instance with the brand's local account."""
    emulator = MastodonEmulator(keepalive_interval=0.2)
    emulator.add_account(MASTODON_BRAND, token=MASTODON_TOKEN, display_name="City Help")
    with emulator:
        yield emulator
    assert emulator.validation_errors == []


@pytest.fixture
def mastodon_account(mastodon_emulator: MastodonEmulator) -> MastodonAccount:
    """The brand's Mastodon account state, pointed at the emulator."""
    return MastodonAccount(
        acct=MASTODON_BRAND,
        account_id=mastodon_emulator.find_account(MASTODON_BRAND) or "",
        token=MASTODON_TOKEN,
        base_url=mastodon_emulator.base_url,
    )


BLUESKY_BRAND = "cityworks.bsky.social"
BLUESKY_PASSWORD = "app-pass-1234"


@pytest.fixture
def bluesky_emulator() -> Iterator[BlueskyEmulator]:
    """A Bluesky PDS with the brand's account and app password."""
    emulator = BlueskyEmulator()
    emulator.add_account(BLUESKY_BRAND, password=BLUESKY_PASSWORD, display_name="City Works")
    with emulator:
        yield emulator
    assert emulator.validation_errors == []


@pytest.fixture
def bluesky_account(bluesky_emulator: BlueskyEmulator) -> BlueskyAccount:
    """The brand's Bluesky account state (no session yet), pointed at the emulator."""
    return BlueskyAccount(
        handle=BLUESKY_BRAND, app_password=BLUESKY_PASSWORD, base_url=bluesky_emulator.base_url
    )
