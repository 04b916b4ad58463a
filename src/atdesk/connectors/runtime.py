"""The connector runtime: every connected brand account read in worker threads, all the time.

One supervisor thread per process looks at the accounts every few seconds, takes a lease
on each it can run (so two worker processes never poll the same account), and keeps one
`AccountRunner` per leased account: a polling thread (`run_poller`, paced by the monthly
budget), a stream thread for Mastodon and for the first streaming X brand of each app (its
one connection carries every streaming brand of that app), and an hourly webhook check for
X accounts with a registered webhook. A runner whose credentials were refused
stays stopped, with an alert, until an admin reconnects the account.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

import atdesk.connectors.alert_events  # noqa: F401 (registers the alert-event job handler)
from atdesk.channels.base import AccountState, Channel, ChannelDeps, ReadBatch, ReadMode
from atdesk.channels.clock import SystemClock
from atdesk.channels.costs import MonthlyBudget, MonthlyBudgetGuard, PollPace, metered
from atdesk.channels.errors import AuthError, ChannelError
from atdesk.channels.observer import ApiCall
from atdesk.channels.poller import run_poller
from atdesk.channels.ratelimits import RateLimitBook
from atdesk.channels.registry import channel_for
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.provider import XChannel
from atdesk.channels.x.stream_rules import StreamMembers
from atdesk.config import Settings
from atdesk.connectors.accounts import Connectable, connectable_accounts, credential_fingerprint
from atdesk.connectors.observer import BufferedObserver, record
from atdesk.connectors.settings import monthly_budget, price_table
from atdesk.connectors.spend import spent_in_month
from atdesk.connectors.store import (
    AccountGone,
    LeaseLost,
    claim_connection,
    current_state,
    publish_read,
    store_batch,
)
from atdesk.domain.networks import Network
from atdesk.models import ChannelAccount, ChannelConnection
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import Bus
from atdesk.pipeline.factory import make_bus
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

ChannelFactory = Callable[[Network, ChannelDeps], Channel[Any]]
ERROR_PAUSE_S = 60.0
WEBHOOK_CHECK_EVERY_S = 3600.0


class SettingsBudgetGuard:
    """Paces one account's polls by its network's monthly budget, as the admin set it now."""

    def __init__(
        self,
        database_url: str,
        network: Network,
        *,
        base_interval: float,
        before_pace: Callable[[], None] = lambda: None,
    ) -> None:
        self.database_url = database_url
        self.network = network
        self.base_interval = base_interval
        self._before_pace = before_pace
        self._inner = MonthlyBudgetGuard(
            MonthlyBudget(Decimal(0)), self._spent, base_interval=base_interval
        )

    def _spent(self) -> Decimal:
        with transaction(self.database_url) as session:
            return spent_in_month(session, self.network, utcnow())

    def pace(self, network: Network, account: str) -> PollPace:
        """The normal interval without a budget; otherwise the guard's paced delay."""
        self._before_pace()
        with transaction(self.database_url) as session:
            budget = monthly_budget(session, self.network)
        if budget is None:
            return PollPace(self.base_interval)
        self._inner.budget = budget
        return self._inner.pace(network, account)

    def record_poll(self, network: Network, account: str, cost: Decimal) -> None:
        """Learn what a pass cost."""
        self._inner.record_poll(network, account, cost)


class AccountRunner:
    """The threads reading one account, and the one place they store what they read."""

    def __init__(
        self,
        runtime: ConnectorRuntime,
        item: Connectable,
        *,
        stream_members: Sequence[Connectable],
        poll_interval_s: float,
    ) -> None:
        self.runtime = runtime
        self.item = item
        self.stream_enabled = bool(stream_members)
        self.poll_interval_s = poll_interval_s
        self.brands = StreamMembers(())
        self._brand_rows: dict[str, int] = {}
        self.update_members(stream_members)
        self.fingerprint = item.fingerprint
        self.listening = item.listening
        self.webhook_id = getattr(item.state, "webhook_id", None)
        self.stop_event = threading.Event()
        self.observers = {
            source: BufferedObserver(source) for source in ("poll", "stream", "webhook")
        }
        self.threads: list[threading.Thread] = []
        self.ended: str | None = None
        self._store_lock = threading.Lock()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> AccountRunner:
        """Start the readers this account's network and settings call for."""
        name = f"{self.item.network.value}:{self.item.handle}"
        targets: list[tuple[str, Callable[[], None]]] = [("poll", self._poll_loop)]
        modes = self.runtime.channel(self.item.network, ChannelDeps()).modes
        if self.stream_enabled and ReadMode.STREAM in modes:
            targets.append(("stream", self._stream_loop))
        if isinstance(self.item.state, XAccount) and self.item.state.webhook_id:
            targets.append(("webhook", self._webhook_loop))
        for role, target in targets:
            thread = threading.Thread(target=target, name=f"atdesk-{role}-{name}", daemon=True)
            self.threads.append(thread)
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every reader to stop and wait for them (each closes its connection)."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("%s did not stop within %.0f s", thread.name, timeout)

    def update_members(self, members: Sequence[Connectable]) -> None:
        """The X brands this runner's stream carries (its app's); the stream reconciles."""
        rows: dict[str, int] = {}
        brands: list[XAccount] = []
        for member in members:
            if isinstance(member.state, XAccount):
                rows[member.state.user_id] = member.account_id
                brands.append(member.state)
        self._brand_rows = rows
        self.brands.replace(brands)

    @property
    def alive(self) -> bool:
        """True while any reader thread runs."""
        return any(t.is_alive() for t in self.threads)

    def needs_restart(
        self, item: Connectable, stream_enabled: bool, poll_interval_s: float
    ) -> bool:
        """New credentials, settings or webhook; or every reader ended for a reason that passed."""
        if item.fingerprint != self.fingerprint:
            return True
        if item.listening != self.listening:
            return True  # the brand listens for other things: the poller searches anew
        if getattr(item.state, "webhook_id", None) != self.webhook_id:
            return True  # a webhook was registered: start (or stop) checking it
        if (stream_enabled, poll_interval_s) != (self.stream_enabled, self.poll_interval_s):
            return True
        return not self.alive and self.ended not in ("auth_failed",)

    # --- storage ------------------------------------------------------------------------

    def _configured(self) -> AccountState | None:
        return self.item.state if self.item.from_settings else None

    def reload(self) -> AccountState:
        """The account as stored now (after another writer or a restart)."""
        with transaction(self.runtime.database_url) as session:
            row = session.get(ChannelAccount, self.item.account_id)
            if row is None:
                raise AccountGone(f"account {self.item.account_id} was removed")
            return current_state(row, configured=self._configured())

    def store(
        self, batch: ReadBatch[Any], *, base: AccountState, source: str, channel: Channel[Any]
    ) -> None:
        """Events and account in one transaction, with the reader's spend and alerts so far."""
        with self._store_lock, transaction(self.runtime.database_url) as session:
            merged = store_batch(
                session,
                self.runtime.bus,
                batch,
                account_id=self.item.account_id,
                holder=self.runtime.holder,
                base=base,
                configured=self._configured(),
                limits=channel.rate_limits(batch.account),
                now=utcnow(),
            )
            self.observers[source].write(session, channel_account_id=self.item.account_id)
        if not self.item.from_settings:
            self.fingerprint = credential_fingerprint(merged.to_json())

    def flush(self, session: Session) -> list[ApiCall]:
        """Write every reader's buffered reports; returns the calls (for the status line)."""
        calls: list[ApiCall] = []
        for observer in self.observers.values():
            reports = observer.drain()
            calls += [r for r in reports if isinstance(r, ApiCall)]
            record(
                session, reports, source=observer.source, channel_account_id=self.item.account_id
            )
        return calls

    def _between_passes(self) -> None:
        """Before each poll pass: keep spend and alerts current, note a failing last pass."""
        with transaction(self.runtime.database_url) as session:
            calls = self.flush(session)
            failed = [c for c in calls if not c.succeeded]
            if failed:
                last = failed[-1]
                self._set_status(
                    session,
                    "failing",
                    f"{last.method} {last.endpoint} answered {last.status} at "
                    f"{last.at:%H:%M:%S}; the next pass resumes where the last stored page ended",
                )

    def _set_status(self, session: Session, status: str, error: str | None) -> None:
        session.execute(
            update(ChannelConnection)
            .where(
                ChannelConnection.channel_account_id == self.item.account_id,
                ChannelConnection.holder == self.runtime.holder,
            )
            .values(status=status, last_error=error[:2000] if error else None)
            .execution_options(synchronize_session=False)
        )

    def mark(self, status: str, error: BaseException | str | None = None) -> None:
        """Show how the account fares on the admin page (and flush pending reports)."""
        try:
            with transaction(self.runtime.database_url) as session:
                self.flush(session)
                self._set_status(session, status, str(error) if error else None)
        except SQLAlchemyError:
            log.exception("could not record status %s of %s", status, self.item.handle)

    # --- readers --------------------------------------------------------------------------

    def _deps(self, source: str) -> ChannelDeps:
        return ChannelDeps(
            observer=self.observers[source],
            clock=SystemClock(self.stop_event),
            timeout=self.runtime.timeout,
            book=self.runtime.book,
            transport=self.runtime.transport,
        )

    def _guarded(self, role: str, body: Callable[[], None]) -> None:
        """Run a reader until stopped; refused credentials end it, other failures pause it."""
        while not self.stop_event.is_set():
            try:
                body()
                return
            except AuthError as exc:
                log.warning("%s %s stopped: %s", role, self.item.handle, exc)
                self.ended = "auth_failed"
                self.mark("auth_failed", exc)
                return
            except (LeaseLost, AccountGone) as exc:
                log.info("%s %s stopped: %s", role, self.item.handle, exc)
                self.ended = "lease_lost" if isinstance(exc, LeaseLost) else "disconnected"
                return
            except ChannelError as exc:
                log.warning(
                    "%s %s failed (%s); trying again in %.0f s",
                    role,
                    self.item.handle,
                    exc,
                    ERROR_PAUSE_S,
                )
                self.mark("error", exc)
            except Exception as exc:  # a bug or a database outage: keep it visible, try again
                log.exception(
                    "%s %s crashed; trying again in %.0f s", role, self.item.handle, ERROR_PAUSE_S
                )
                self.mark("error", f"{type(exc).__name__}: {exc}")
            self.stop_event.wait(self.runtime.error_pause_s)

    def _poll_loop(self) -> None:
        network = self.item.network

        def body() -> None:
            with transaction(self.runtime.database_url) as session:
                table = price_table(session, network)
            deps, meter = metered(self._deps("poll"), table)
            channel = self.runtime.channel(network, deps)
            guard = SettingsBudgetGuard(
                self.runtime.database_url,
                network,
                base_interval=self.poll_interval_s,
                before_pace=self._between_passes,
            )
            account = self.reload()
            base = account

            def persist(batch: ReadBatch[Any]) -> None:
                nonlocal base
                self.store(batch, base=base, source="poll", channel=channel)
                base = batch.account

            run_poller(
                channel, account, persist, deps=deps, guard=guard, meter=meter, stop=self.stop_event
            )

        self._guarded("poll", body)
        self.mark("stopped" if self.ended is None else self.ended)

    def store_streamed(self, batch: ReadBatch[Any], channel: Channel[Any]) -> None:
        """Own batches are stored whole; other brands' (leased anywhere) are only published."""
        user_id = getattr(batch.account, "user_id", None)
        if user_id == getattr(self.item.state, "user_id", None):
            self.store(batch, base=batch.account, source="stream", channel=channel)
            return
        row_id = self._brand_rows.get(user_id or "")
        if row_id is None:  # routed just before the brand left the stream
            return
        with self._store_lock, transaction(self.runtime.database_url) as session:
            claim_connection(session, self.item.account_id, self.runtime.holder, utcnow())
            if session.get(ChannelAccount, row_id) is not None:  # not removed meanwhile
                publish_read(session, self.runtime.bus, row_id, batch.events, batch.ignored)
            self.observers["stream"].write(session, channel_account_id=self.item.account_id)

    def _stream_loop(self) -> None:
        network = self.item.network

        def body() -> None:
            channel = self.runtime.channel(network, self._deps("stream"))
            base = self.reload()
            if isinstance(channel, XChannel) and isinstance(base, XAccount):
                channel.stream_app(
                    base,
                    self.brands,
                    lambda batch: self.store_streamed(batch, channel),
                    self.stop_event,
                )
                return
            channel.stream(
                base,
                lambda batch: self.store(batch, base=base, source="stream", channel=channel),
                self.stop_event,
            )

        self._guarded("stream", body)

    def _webhook_loop(self) -> None:
        def body() -> None:
            channel = self.runtime.channel(Network.X, self._deps("webhook"))
            assert isinstance(channel, XChannel)
            while not self.stop_event.wait(self.runtime.webhook_check_s):
                account = self.reload()
                if isinstance(account, XAccount) and account.webhook_id:
                    channel.check_webhook(account)

        self._guarded("webhook", body)


def _stream_settings(session: Session) -> dict[int, bool]:
    return {
        int(account_id): bool(enabled)
        for account_id, enabled in session.execute(
            select(ChannelConnection.channel_account_id, ChannelConnection.stream_enabled)
        ).all()
    }


def stream_groups(
    items: Sequence[Connectable], enabled: Mapping[int, bool]
) -> dict[int, tuple[Connectable, ...]]:
    """Streaming owners and the brands each connection carries: X allows one per app (ADR 65)."""
    groups: dict[int, tuple[Connectable, ...]] = {}
    owner_of_app: dict[tuple[str, str], int] = {}
    for item in sorted(items, key=lambda i: i.account_id):
        if not enabled.get(item.account_id, True):
            continue
        if isinstance(item.state, XAccount):
            # The app, not the user: its app-only bearer, else its consumer secret.
            app = (item.state.base_url, item.state.app_token or item.state.consumer_secret or "")
            owner = owner_of_app.setdefault(app, item.account_id)
            groups[owner] = (*groups.get(owner, ()), item)
        else:
            groups[item.account_id] = (item,)
    return groups


def default_holder() -> str:
    """Who holds a lease: host, process and a random part (two runtimes never collide)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ConnectorRuntime:
    """Runs every connectable account this process can lease, until stopped."""

    def __init__(
        self,
        settings: Settings,
        bus: Bus | None = None,
        *,
        holder: str | None = None,
        sync_every_s: float = 10.0,
        lease_s: float = 60.0,
        default_poll_s: float = 60.0,
        timeout: float = 10.0,
        error_pause_s: float = ERROR_PAUSE_S,
        webhook_check_s: float = WEBHOOK_CHECK_EVERY_S,
        make_channel: ChannelFactory | None = None,
        transport: Any = None,
    ) -> None:
        self.settings = settings
        self.database_url = settings.database_url
        self.bus = bus or make_bus(settings)
        self.holder = holder or default_holder()
        self.sync_every_s = sync_every_s
        self.lease = timedelta(seconds=lease_s)
        self.default_poll_s = default_poll_s
        self.timeout = timeout
        self.error_pause_s = error_pause_s
        self.webhook_check_s = webhook_check_s
        self._make_channel = make_channel or channel_for
        self.transport = transport
        self.book = RateLimitBook()
        self.runners: dict[int, AccountRunner] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def channel(self, network: Network, deps: ChannelDeps) -> Channel[Any]:
        """A channel client for one reader (tests swap the factory for shorter timeouts)."""
        return self._make_channel(network, deps)

    # --- supervision ------------------------------------------------------------------------

    def start(self) -> ConnectorRuntime:
        """Start the supervisor thread; it starts the readers."""
        self._thread = threading.Thread(
            target=self._supervise, name="atdesk-connectors", daemon=True
        )
        self._thread.start()
        return self

    def _supervise(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync_once()
                self.flush()
            except SQLAlchemyError:
                log.exception(
                    "connector supervision failed; trying again in %.0f s", self.sync_every_s
                )
            self._stop.wait(self.sync_every_s)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every reader, write what they reported, and give up the leases."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            runners, self.runners = list(self.runners.values()), {}
        for runner in runners:
            runner.stop_event.set()  # all at once: each closes its connection in parallel
        for runner in runners:
            runner.stop(timeout)
        try:
            with transaction(self.database_url) as session:
                for runner in runners:
                    runner.flush(session)
                session.execute(
                    update(ChannelConnection)
                    .where(ChannelConnection.holder == self.holder)
                    .values(holder=None, lease_until=None, status="stopped")
                    .execution_options(synchronize_session=False)
                )
        except SQLAlchemyError:
            log.exception("could not release the connector leases; they expire on their own")

    def _lease(self, session: Session, account_id: int) -> ChannelConnection | None:
        now = utcnow()
        connection = session.get(ChannelConnection, account_id, with_for_update=True)
        if connection is None:
            savepoint = session.begin_nested()
            connection = ChannelConnection(
                channel_account_id=account_id,
                stream_enabled=True,
                poll_interval_s=self.default_poll_s,
                holder=self.holder,
                lease_until=now + self.lease,
                status="starting",
                events_read=0,
                ignored={},
                rate_limits=[],
            )
            try:
                session.add(connection)
                session.flush()
            except IntegrityError:
                savepoint.rollback()
                return None
            savepoint.commit()
            return connection
        free = (
            connection.holder is None
            or connection.lease_until is None
            or connection.lease_until <= now
        )
        if connection.holder != self.holder and not free:
            return None
        if connection.holder != self.holder:
            connection.status = "starting"
        connection.holder = self.holder
        connection.lease_until = now + self.lease
        return connection

    def sync_once(self) -> None:
        """Lease what can be run, start new runners, restart changed ones, stop the rest."""
        wanted: dict[int, tuple[Connectable, tuple[Connectable, ...], float]] = {}
        with transaction(self.database_url) as session:
            rows: Sequence[ChannelAccount] = session.scalars(
                select(ChannelAccount).order_by(ChannelAccount.id)
            ).all()
            items = connectable_accounts(rows, self.settings)
            groups = stream_groups(items, _stream_settings(session))
            for item in items:
                connection = self._lease(session, item.account_id)
                if connection is not None:
                    wanted[item.account_id] = (
                        item,
                        groups.get(item.account_id, ()),
                        float(connection.poll_interval_s),
                    )
            held = set(
                session.scalars(
                    select(ChannelConnection.channel_account_id).where(
                        ChannelConnection.holder == self.holder
                    )
                )
            )
            for account_id in held - set(wanted):
                session.execute(
                    update(ChannelConnection)
                    .where(ChannelConnection.channel_account_id == account_id)
                    .values(holder=None, lease_until=None, status="disconnected")
                    .execution_options(synchronize_session=False)
                )
        with self._lock:
            for account_id, runner in list(self.runners.items()):
                spec = wanted.get(account_id)
                if spec is None or runner.needs_restart(spec[0], bool(spec[1]), spec[2]):
                    runner.stop()
                    del self.runners[account_id]
                else:
                    runner.update_members(spec[1])
            for account_id, (item, members, poll_s) in wanted.items():
                if account_id not in self.runners:
                    log.info("connecting %s account @%s", item.network.value, item.handle)
                    self.runners[account_id] = AccountRunner(
                        self, item, stream_members=members, poll_interval_s=poll_s
                    ).start()

    def flush(self) -> None:
        """Write what every reader reported since the last write (streams and failed passes)."""
        with self._lock:
            runners = list(self.runners.values())
        if not runners:
            return
        with transaction(self.database_url) as session:
            for runner in runners:
                runner.flush(session)

    def runner(self, account_id: int) -> AccountRunner | None:
        """The runner of an account in this process, if any."""
        with self._lock:
            return self.runners.get(account_id)


def connectors_for(settings: Settings, bus: Bus) -> ConnectorRuntime:
    """The runtime a worker process runs beside its pipeline loop."""
    return ConnectorRuntime(settings, bus)
