"""The composition root: the worker loop, and the wiring that lower layers only name.

Lower layers never import the capabilities above them; instead they offer a hook (a route hook
in the pipeline, a send recorder in the outbox, a top-bar part in the templates) and this module,
at the top, plugs the capabilities in. `wire()` runs once in every process that handles posts:
the web app, the CLI, the worker and the tests.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

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
from atdesk.cases.service import auto_resolve
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
from atdesk.pipeline.factory import make_bus
from atdesk.reports.facts import refresh as refresh_report_facts
from atdesk.respond.outbox import ChannelOutbox, Outbox, record_sends_with
from atdesk.respond.unconfirmed import mark_unconfirmed
from atdesk.storage.session import transaction
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
AUTO_RESOLVE_AFTER = timedelta(hours=48)
MAX_BACKOFF_S = 10.0  # the longest pause after failed passes in a row


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


class Worker:
    """One loop per process (or per thread in the embedded mode)."""

    def __init__(
        self, settings: Settings, bus: Bus | None = None, idle_sleep_s: float = 0.5
    ) -> None:
        self.settings = settings
        self.bus = bus or make_bus(settings)
        self.idle_sleep_s = idle_sleep_s
        self.handle_inbound = inbound_handler(self.bus)
        self.automations = AutomationRunner(settings, self.bus)
        self.stopping = threading.Event()
        self._last_resolve = 0.0
        self._last_send_check = 0.0
        self._last_spike_check = 0.0
        self.discovery = Discovery(settings.database_url)
        self._last_discovery = 0.0
        self._last_report_facts = 0.0
        self._last_retention = 0.0

    def run_once(self) -> int:
        """Handle one batch and any periodic job that is due; return messages handled."""
        begin("batch-")  # log lines name the batch they belong to
        try:
            handled = self.bus.consume(INBOUND, self.handle_inbound, batch_size=200)
        except Exception:
            count_error(Failure.INBOUND)
            log.exception("inbound batch failed; the bus will deliver it again")
            handled = 0
        try:
            handled += self.automations.run_once()
        except Exception:
            count_error(Failure.AUTOMATE)
            log.exception("automation batch failed; the bus and the job queue keep it")
        begin("tick-")
        now = time.monotonic()
        if now - self._last_resolve >= AUTO_RESOLVE_EVERY_S:
            self._last_resolve = now
            with transaction(self.settings.database_url) as session:
                resolved = auto_resolve(session, now=utcnow(), after=AUTO_RESOLVE_AFTER)
            if resolved:
                log.info("auto-resolved %d silent pending cases", resolved)
        if now - self._last_send_check >= SEND_CHECK_EVERY_S:
            self._last_send_check = now
            with transaction(self.settings.database_url) as session:
                stuck = mark_unconfirmed(session, now=utcnow())
            if stuck:
                log.warning("%d replies never finished sending; marked unconfirmed", stuck)
        if now - self._last_spike_check >= SPIKE_CHECK_EVERY_S:
            self._last_spike_check = now
            try:
                report = check_spikes(self.settings.database_url, now=utcnow())
            except Exception:
                count_error(Failure.PERIODIC)
                log.exception("spike check failed; the next one judges the same posts again")
            else:
                if report.opened or report.closed:
                    log.info("spike alerts: %d opened, %d closed", report.opened, report.closed)
        if now - self._last_discovery >= ISSUE_DISCOVERY_EVERY_S:
            self._last_discovery = now
            try:
                self.discovery.run(now=utcnow())
            except Exception:
                count_error(Failure.PERIODIC)
                log.exception("emerging-issue discovery failed; the next pass tries again")
        if now - self._last_report_facts >= REPORT_FACTS_EVERY_S:
            self._last_report_facts = now
            try:
                refresh_report_facts(self.settings.database_url)
            except Exception:
                count_error(Failure.PERIODIC)
                log.exception("report facts refresh failed; the next pass tries the same cases")
        if now - self._last_retention >= RETENTION_EVERY_S:
            self._last_retention = now
            try:
                sweep_retention(self.settings.database_url, now=utcnow())
            except Exception:
                log.exception("retention pass failed; the next pass takes the same rows")
        return handled

    def run(self) -> None:
        """Loop until stop() is called; the channel connectors read the networks meanwhile."""
        connectors = ConnectorRuntime(self.settings, self.bus).start()
        try:
            failures = 0
            while not self.stopping.is_set():
                try:
                    handled = self.run_once()
                except Exception:
                    # A server away (PostgreSQL restarting): back off and carry on (ADR 99).
                    failures += 1
                    pause = min(self.idle_sleep_s * 2**failures, MAX_BACKOFF_S)
                    log.exception("worker pass failed (%d in a row); wait %.1fs", failures, pause)
                    self.stopping.wait(pause)
                    continue
                failures = 0
                if not handled:
                    self.stopping.wait(self.idle_sleep_s)
        finally:
            connectors.stop()

    def stop(self) -> None:
        """Ask the loop to finish its current batch and return."""
        self.stopping.set()

    def start_thread(self) -> threading.Thread:
        """Run in a daemon thread beside the web app (the embedded mode)."""
        thread = threading.Thread(target=self.run, name="atdesk-worker", daemon=True)
        thread.start()
        return thread
