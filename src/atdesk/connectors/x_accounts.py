"""The X accounts and consumer secrets a webhook delivery is checked against, kept between
deliveries.

Each delivery used to read every X account's stored state, then its own account, then roll
back: three round trips, about a third of the web process's time at 200 posts/s. The
directory is now read at most once a second. Anything it does not know (a signature no
secret matches, a user id no account has) is read again at once before the delivery is
refused, so a new account or a new secret is never turned away. A removed account or a
replaced secret is still honoured for at most `FRESH_S` (ADR 105).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from atdesk.channels.x.webhooks import verify_signature
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import ChannelAccount
from atdesk.storage.session import transaction

FRESH_S = 1.0


@dataclass(frozen=True, slots=True)
class XAccount:
    """A brand's X account as a delivery needs it."""

    id: int
    handle: str


@dataclass(frozen=True, slots=True)
class XDirectory:
    """The consumer secrets (the app's first, then those stored with accounts) and the
    accounts by X user id, as read at `read_at` (the directory's clock)."""

    secrets: tuple[str, ...]
    accounts: dict[str, XAccount]
    read_at: float

    def secret_for(self, body: bytes, signature: str) -> str | None:
        """The secret this delivery is signed with, if it is one of ours."""
        return next((s for s in self.secrets if verify_signature(s, body, signature)), None)


class XAccounts:
    """The directory shared by the web app's threads; `fresh` reads it now."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._known: XDirectory | None = None

    def current(self) -> XDirectory:
        """The directory as read within the last `FRESH_S` seconds."""
        known = self._known
        if known is None or self._clock() - known.read_at >= FRESH_S:
            return self.fresh()
        return known

    def fresh(self) -> XDirectory:
        """Read the directory now, and keep it for the next deliveries."""
        secrets: list[str] = []
        if self._settings.x_consumer_secret:
            secrets.append(self._settings.x_consumer_secret)
        accounts: dict[str, XAccount] = {}
        with transaction(self._settings.database_url) as session:
            rows = session.execute(
                select(
                    ChannelAccount.id,
                    ChannelAccount.handle,
                    ChannelAccount.native_user_id,
                    ChannelAccount.state,
                ).where(ChannelAccount.network == Network.X.value)
            )
            for account_id, handle, user_id, state in rows:
                secret = (state or {}).get("consumer_secret")
                if secret and str(secret) not in secrets:
                    secrets.append(str(secret))
                if user_id:
                    accounts[str(user_id)] = XAccount(int(account_id), str(handle))
        directory = XDirectory(tuple(secrets), accounts, self._clock())
        with self._lock:
            self._known = directory
        return directory
