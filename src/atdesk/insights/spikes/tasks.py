"""The worker's side of spike alerts: the periodic check, and the signed webhook job.

The check runs every few minutes with the worker's `now`: it judges the last hours of every
brand with alerts on (and, for alerts still open, back to where they were detected), then
makes the alerts match in one transaction (service.sync_alerts).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from atdesk.insights.spikes.service import WEBHOOK_JOB, SyncReport, sync_alerts
from atdesk.insights.spikes.settings import spike_settings
from atdesk.insights.spikes.trends import detect_spikes
from atdesk.integrations.webhooks import Delivered, GiveUp, WebhookEvent, deliver
from atdesk.jobs import queue as jobs
from atdesk.models import Brand, SpikeAlert
from atdesk.storage.session import transaction

# How far back each check looks for bursts (well beyond the check's own period).
LOOKBACK = timedelta(hours=6)


def check_spikes(database_url: str, *, now: datetime) -> SyncReport:
    """Detect spikes up to `now` and raise, update or close the alerts (a brand whose spike
    watch was turned off has its open alerts closed)."""
    with transaction(database_url) as session:
        everyone = list(session.scalars(select(Brand)).all())
        watched = [b for b in everyone if spike_settings(b).enabled]
        oldest_open = session.scalar(
            select(func.min(SpikeAlert.detected_at)).where(SpikeAlert.status == "open")
        )
        if not watched and oldest_open is None:
            return SyncReport()
        since = now - LOOKBACK
        if oldest_open is not None:
            since = min(since, oldest_open - timedelta(minutes=1))
        spikes = (
            detect_spikes(
                session, since=since, until=now, brand_ids=frozenset(b.id for b in watched)
            )
            if watched
            else []
        )
        return sync_alerts(session, spikes, brands=everyone, now=now)


@jobs.handler(WEBHOOK_JOB)
def run_spike_webhook(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Send one spike alert event, signed with the brand's current secret."""
    with env.read() as session:
        brand = session.get(Brand, job.brand_id) if job.brand_id is not None else None
        settings = spike_settings(brand) if brand is not None else None
    if settings is None or not settings.webhook_url or not settings.webhook_secret:
        return jobs.JobOutcome.done(skipped="the brand has no spike webhook any more")
    event = WebhookEvent(
        id=str(job.payload["event_id"]),
        type=str(job.payload["type"]),
        created_at=env.now(),
        data=dict(job.payload.get("data") or {}),
    )
    outcome = deliver(
        settings.webhook_url,
        event,
        secret=settings.webhook_secret,
        attempt=job.attempt,
        http=env.http,
        now=env.now(),
    )
    if isinstance(outcome, Delivered):
        return jobs.JobOutcome.done(status_code=outcome.status_code)
    if isinstance(outcome, GiveUp):
        return jobs.JobOutcome.needs_human(outcome.reason)
    return jobs.JobOutcome.retry(outcome.after_s, outcome.reason)
