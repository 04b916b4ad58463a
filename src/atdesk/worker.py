"""The composition root: the worker loop, and the wiring that lower layers only name.

Lower layers never import the capabilities above them; instead they offer a hook (a route hook
in the pipeline, a send recorder in the outbox, a top-bar part in the templates) and this module,
at the top, plugs the capabilities in. `wire()` runs once in every process that handles posts:
the web app, the CLI, the worker and the tests.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

import atdesk.automations.appointments.rescheduling
import atdesk.automations.bot.actions
import atdesk.automations.callbacks.actions
import atdesk.automations.cityreports.actions
import atdesk.automations.cityreports.tasks
import atdesk.automations.engine.actions
import atdesk.automations.outbound.actions
import atdesk.automations.outbound.tasks
import atdesk.automations.outbound.verification
import atdesk.insights.incidents.tasks
import atdesk.insights.spikes.tasks
import atdesk.respond.tasks
import atdesk.surveys.tasks
from atdesk.automations.engine.actions import ACTIONS
from atdesk.automations.engine.hooks import REPLY_HANDLERS, WARMUPS
from atdesk.automations.engine.rules import ACTION_TYPES
from atdesk.automations.engine.stage import case_events_handler, inbound_handler
from atdesk.cases.service import auto_resolve_all
from atdesk.config import Settings
from atdesk.connectors.observer import BufferedObserver
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.customers.identity import IDENTIFIED
from atdesk.insights.incidents.linking import link_arrivals
from atdesk.insights.issues.live import join_open_issues
from atdesk.insights.issues.tasks import Discovery
from atdesk.insights.spikes.tasks import check_spikes
from atdesk.jobs.queue import HANDLERS, JobEnv, run_due_jobs
from atdesk.lifecycle.retention import sweep as sweep_retention
from atdesk.models.base import utcnow
from atdesk.observability.context import begin
from atdesk.observability.counters import Failure, count_error
from atdesk.pipeline import runner
from atdesk.pipeline.bus import CASE_EVENTS, INBOUND, Bus
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.factory import make_bus
from atdesk.pipeline.redis_bus import RedisBus
from atdesk.reports.facts import refresh as refresh_report_facts
from atdesk.respond.outbox import ChannelOutbox, Outbox, record_sends_with
from atdesk.respond.unconfirmed import mark_unconfirmed
from atdesk.storage.session import transaction
from atdesk.storage.singleton import only_one
from atdesk.surveys.answers import record_answers
from atdesk.surveys.tasks import sweep as sweep_resolutions

log = logging.getLogger(__name__)

# Every module that registers job handlers, imported once so the job runner knows all kinds.
JOB_MODULES = (
    atdesk.automations.cityreports.tasks,
    atdesk.automations.outbound.verification,
    atdesk.respond.tasks,
    atdesk.automations.outbound.tasks,
    atdesk.surveys.tasks,
    atdesk.insights.spikes.tasks,
    atdesk.insights.incidents.tasks,
)
KINDS = sorted(HANDLERS)
# Every automations module that plugs into the engine (@action, reply handlers, warm-ups) or waits
# for a customer's identity (customers.identity listeners); the engine never imports them.
ACTION_MODULES = (
    atdesk.automations.engine.actions,
    atdesk.automations.outbound.actions,
    atdesk.automations.callbacks.actions,
    atdesk.automations.appointments.rescheduling,
    atdesk.automations.bot.actions,
    atdesk.automations.cityreports.actions,
)

JOB_TIMEOUT_S = 10.0
AUTO_RESOLVE_EVERY_S = 300.0
SEND_CHECK_EVERY_S = 60.0
SPIKE_CHECK_EVERY_S = 120.0
ISSUE_DISCOVERY_EVERY_S = 60.0
REPORT_FACTS_EVERY_S = 60.0
RETENTION_EVERY_S = 600.0
BUS_TRIM_EVERY_S = 600.0
AUTO_RESOLVE_AFTER = timedelta(hours=48)
MAX_BACKOFF_S = 10.0  # the longest pause after failed passes in a row
HOUSEKEEPING_TICK_S = 1.0
PERIODIC_SHARE = 0.25  # the most of the time one periodic task may take, pass after pass
INBOUND_BATCH = 200
# Case events per automate transaction: small, so SQLite's write lock is never held long
# while posts wait to be stored (the stage runs ~50-150 posts/s on 2 busy cores).
AUTOMATE_BATCH = 25
STOP_WAIT_S = 30.0


def wire() -> None:
    """Plug the capabilities into the hooks of the layers below (idempotent)."""
    runner.add_before_route(record_answers)
    runner.add_after_store(join_open_issues)
    runner.add_after_route(link_arrivals)  # after the issues: a post carries its issue by then
    record_sends_with(BufferedObserver)
    assert KINDS, "job handlers are registered by importing atdesk.worker"
    missing = set(ACTION_TYPES) - set(ACTIONS)
    assert not missing, f"no @action registered for {sorted(missing)}; see ACTION_MODULES"
    assert REPLY_HANDLERS, "reply handlers are registered by importing ACTION_MODULES"
    assert WARMUPS, "batch warm-ups are registered by importing ACTION_MODULES"
    assert IDENTIFIED, "what waits for a customer's identity registers from ACTION_MODULES"


class AutomationRunner:
    """One per worker: its own HTTP pool and channel outbox, shared by every job it runs."""

    def __init__(self, settings: Settings, bus: Bus, *, outbox: Outbox | None = None) -> None:
        wire()
        self.bus = bus
        self.handle_case_events = case_events_handler(settings)
        self.env = JobEnv(
            settings=settings,
            http=httpx.Client(timeout=JOB_TIMEOUT_S),
            outbox=outbox or ChannelOutbox(),
        )

    def run_once(self, *, batch_size: int = 100, jobs: int = 20) -> int:
        """Automate one batch of case events, decide the surveys of new resolutions, then run
        the jobs that are due."""
        begin("batch-")  # log lines name the batch they belong to
        handled = self.bus.consume(CASE_EVENTS, self.handle_case_events, batch_size=batch_size)
        handled += sweep_resolutions(self.env.settings.database_url, now=self.env.now())
        return handled + run_due_jobs(self.env, limit=jobs)

    def close(self) -> None:
        """Release the HTTP pool."""
        self.env.http.close()


@dataclass(frozen=True, slots=True)
class Periodic:
    """One periodic task: how often, what it does (given `now`), and what its failure means."""

    name: str
    every_s: float
    run: Callable[[str, datetime], object]
    on_failure: str


def _auto_resolve(url: str, now: datetime) -> None:
    resolved = auto_resolve_all(url, now=now, after=AUTO_RESOLVE_AFTER)
    if resolved:
        log.info("auto-resolved %d silent pending cases", resolved)


def _unconfirmed(url: str, now: datetime) -> None:
    with transaction(url) as session:
        stuck = mark_unconfirmed(session, now=now)
    if stuck:
        log.warning("%d replies never finished sending; marked unconfirmed", stuck)


def _spikes(url: str, now: datetime) -> None:
    report = check_spikes(url, now=now)
    if report.opened or report.closed:
        log.info("spike alerts: %d opened, %d closed", report.opened, report.closed)


class Housekeeping:
    """The worker's periodic work (auto-resolve, unconfirmed sends, spikes, emerging issues,
    report facts, retention): in a thread of its own under `Worker.run`, so a slow pass
    (discovery over a day of posts, a facts refresh) never holds up the posts waiting for the
    inbox. Each task runs in one process at a time however many workers there are."""

    def __init__(
        self,
        settings: Settings,
        bus: Bus | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.discovery = Discovery(settings.database_url)
        self.bus = bus
        self._clock = clock
        self.tasks = (
            Periodic("auto-resolve", AUTO_RESOLVE_EVERY_S, _auto_resolve, "auto-resolve"),
            Periodic("unconfirmed-sends", SEND_CHECK_EVERY_S, _unconfirmed, "the send check"),
            Periodic("spikes", SPIKE_CHECK_EVERY_S, _spikes, "spike check"),
            Periodic(
                "issue-discovery",
                ISSUE_DISCOVERY_EVERY_S,
                lambda _url, now: self.discovery.run(now=now),
                "emerging-issue discovery",
            ),
            Periodic(
                "report-facts",
                REPORT_FACTS_EVERY_S,
                lambda url, _now: refresh_report_facts(url),
                "report facts refresh",
            ),
            Periodic(
                "retention",
                RETENTION_EVERY_S,
                lambda url, now: sweep_retention(url, now=now),
                "retention pass",
            ),
            Periodic("bus-trim", BUS_TRIM_EVERY_S, self._trim_bus, "trimming the bus"),
        )
        self._last: dict[str, float] = {}  # when each task last started (the clock's time)
        self._took: dict[str, float] = {}  # how long its last pass took

    def _trim_bus(self, _url: str, now: datetime) -> None:
        """Handled messages leave the bus, so raw posts do not outlive retention or erasure."""
        for topic in (INBOUND, CASE_EVENTS):
            if isinstance(self.bus, EmbeddedBus):
                self.bus.trim_handled(topic, now=now)
            elif isinstance(self.bus, RedisBus):
                self.bus.trim_handled(topic)

    def run_due(self) -> None:
        """Run each periodic task whose interval has passed since it last ran; a task that
        fails is logged and counted, and the next interval tries again.

        A task that took long waits longer: it runs at most PERIODIC_SHARE of the time. A
        report-facts refresh took 24 s, then 61 s, of every minute at 300 posts/s; waiting
        four times as long as it took leaves the cores to the posts, and the next pass
        covers the cases of both minutes at once (ADR 106)."""
        begin("tick-")
        url = self.settings.database_url
        for task in self.tasks:
            started = self._clock()
            wait_s = max(task.every_s, self._took.get(task.name, 0.0) / PERIODIC_SHARE)
            if started - self._last.get(task.name, -math.inf) < wait_s:
                continue
            self._last[task.name] = started
            try:
                with only_one(url, task.name) as mine:
                    if mine:
                        task.run(url, utcnow())
            except Exception:
                count_error(Failure.PERIODIC)
                log.exception("%s failed; the next pass tries again", task.on_failure)
            self._took[task.name] = self._clock() - started

    def loop(self, stopping: threading.Event) -> None:
        """Run what is due about once a second until `stopping` is set."""
        while not stopping.is_set():
            self.run_due()
            stopping.wait(HOUSEKEEPING_TICK_S)


class Worker:
    """One per process (or beside the web app in the embedded mode): the inbound path, the
    automate stage with its jobs, and the periodic work, each in a loop of its own thread."""

    def __init__(
        self,
        settings: Settings,
        bus: Bus | None = None,
        idle_sleep_s: float = 0.5,
        *,
        periodic: bool = True,
    ) -> None:
        self.settings = settings
        self.bus = bus or make_bus(settings)
        self.idle_sleep_s = idle_sleep_s
        self.periodic = periodic  # False: another process runs the periodic work (ADR 106)
        self.handle_inbound = inbound_handler(self.bus)
        self.automations = AutomationRunner(settings, self.bus)
        self.housekeeping = Housekeeping(settings, self.bus)
        self.stopping = threading.Event()

    def handle_inbound_batch(self) -> int:
        """Run the pipeline over one batch of inbound messages; return how many."""
        begin("batch-")  # log lines name the batch they belong to
        return self.bus.consume(INBOUND, self.handle_inbound, batch_size=INBOUND_BATCH)

    def automate_batch(self) -> int:
        """Automate one batch of case events and run the due jobs; return how many."""
        return self.automations.run_once(batch_size=AUTOMATE_BATCH)

    def _attempt(self, step: Callable[[], int], failure: Failure) -> int | None:
        """One batch of a loop; None when it failed (logged and counted: the bus and the job
        queue keep its messages for the next try)."""
        try:
            return step()
        except Exception:
            count_error(failure)
            log.exception("%s pass failed; the bus and the job queue keep its messages", failure)
            return None

    def run_once(self) -> int:
        """Handle one batch and any periodic job that is due; return messages handled
        (everything in the caller's thread, in order: tests and one-shot callers)."""
        handled = self._attempt(self.handle_inbound_batch, Failure.INBOUND) or 0
        handled += self._attempt(self.automate_batch, Failure.AUTOMATE) or 0
        self.housekeeping.run_due()
        return handled

    def _idle(self) -> None:
        """Wait for the next message: woken at once by a publish committed in this process
        (the embedded bus), else after idle_sleep_s; Redis already waited in its read."""
        if isinstance(self.bus, RedisBus):
            return
        wait = getattr(self.bus, "wait_for_messages", None)
        if wait is None:
            self.stopping.wait(self.idle_sleep_s)
        elif not self.stopping.is_set():
            wait(self.idle_sleep_s)

    def _loop(self, step: Callable[[], int], failure: Failure) -> None:
        failures = 0
        while not self.stopping.is_set():
            handled = self._attempt(step, failure)
            if handled is None:
                # A server away (PostgreSQL restarting): back off and carry on (ADR 99).
                failures += 1
                pause = min(self.idle_sleep_s * 2**failures, MAX_BACKOFF_S)
                log.warning("%d failed passes in a row; next try in %.1fs", failures, pause)
                self.stopping.wait(pause)
                continue
            failures = 0
            if not handled:
                self._idle()

    def run(self) -> None:
        """Loop until stop() is called; the channel connectors read the networks meanwhile.

        The inbound path runs in this thread; the automate stage and its jobs, and the
        periodic work, in threads of their own, so neither delays a post on its way to the
        inbox (ADR 98)."""
        connectors = ConnectorRuntime(self.settings, self.bus).start()
        helpers = [
            threading.Thread(
                target=self._loop,
                args=(self.automate_batch, Failure.AUTOMATE),
                name="atdesk-automate",
                daemon=True,
            )
        ]
        if self.periodic:
            helpers.append(
                threading.Thread(
                    target=self.housekeeping.loop,
                    args=(self.stopping,),
                    name="atdesk-housekeeping",
                    daemon=True,
                )
            )
        for thread in helpers:
            thread.start()
        try:
            self._loop(self.handle_inbound_batch, Failure.INBOUND)
        finally:
            self.stopping.set()
            for thread in helpers:
                thread.join(timeout=STOP_WAIT_S)
            connectors.stop()

    def stop(self) -> None:
        """Ask the loops to finish their current batch and return."""
        self.stopping.set()
        wake = getattr(self.bus, "wake", None)
        if wake is not None:
            wake()

    def start_thread(self) -> threading.Thread:
        """Run in a daemon thread beside the web app (the embedded mode)."""
        thread = threading.Thread(target=self.run, name="atdesk-worker", daemon=True)
        thread.start()
        return thread
