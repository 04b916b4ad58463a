"""The automate stage inside a worker: case events from the bus, then due outbound jobs."""

from __future__ import annotations

import logging

import httpx

from atdesk.automations import tasks
from atdesk.automations.stage import case_events_handler
from atdesk.config import Settings
from atdesk.jobs.queue import JobEnv, run_due_jobs
from atdesk.pipeline.bus import CASE_EVENTS, Bus
from atdesk.respond.outbox import ChannelOutbox, Outbox
from atdesk.surveys.tasks import sweep as sweep_resolutions

log = logging.getLogger(__name__)

JOB_TIMEOUT_S = 10.0


class AutomationRunner:
    """One per worker: its own HTTP pool and channel outbox, shared by every job it runs."""

    def __init__(self, settings: Settings, bus: Bus, *, outbox: Outbox | None = None) -> None:
        assert tasks.KINDS, "job handlers are registered by importing atdesk.automations.tasks"
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
        handled = self.bus.consume(CASE_EVENTS, self.handle_case_events, batch_size=batch_size)
        handled += sweep_resolutions(self.env.settings.database_url, now=self.env.now())
        return handled + run_due_jobs(self.env, limit=jobs)

    def close(self) -> None:
        """Release the HTTP pool."""
        self.env.http.close()
