"""Pipeline workers: drain the inbound topic and run periodic jobs until told to stop."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy.orm import Session

from atdesk.automations.stage import inbound_handler
from atdesk.automations.worker import AutomationRunner
from atdesk.cases.service import auto_resolve
from atdesk.config import Settings
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.domain.posts import RawEvent
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND, Bus
from atdesk.pipeline.factory import make_bus
from atdesk.pipeline.prepare import PipelineHandler
from atdesk.pipeline.runner import BatchReport
from atdesk.respond.unconfirmed import mark_unconfirmed
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

AUTO_RESOLVE_EVERY_S = 300.0
SEND_CHECK_EVERY_S = 60.0
AUTO_RESOLVE_AFTER = timedelta(hours=48)


def _log_invalid(_session: Session, _events: list[RawEvent], report: BatchReport) -> None:
    if report.invalid:
        log.warning(
            "dropped %d events that could not be normalised: %s",
            len(report.invalid),
            report.invalid[:5],
        )


# The bus handler for raw events: triage first, then the rest of the pipeline in one short
# transaction (ADR 78).
handle_inbound = PipelineHandler(after=_log_invalid)


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

    def run_once(self) -> int:
        """Handle one batch and any periodic job that is due; return messages handled."""
        try:
            handled = self.bus.consume(INBOUND, self.handle_inbound, batch_size=200)
        except Exception:
            log.exception("inbound batch failed; the bus will deliver it again")
            handled = 0
        try:
            handled += self.automations.run_once()
        except Exception:
            log.exception("automation batch failed; the bus and the job queue keep it")
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
        return handled

    def run(self) -> None:
        """Loop until stop() is called; the channel connectors read the networks meanwhile."""
        connectors = ConnectorRuntime(self.settings, self.bus).start()
        try:
            while not self.stopping.is_set():
                if not self.run_once():
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
