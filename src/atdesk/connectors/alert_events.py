"""Delivering channel alert events: signed webhook POSTs, retried on the shared schedule.

Registered with the automation job runner on import; every worker process imports it
through the connector runtime, so queued alert events always find their handler.
"""

from __future__ import annotations

from atdesk.connectors.alerts import ALERT_WEBHOOK_JOB
from atdesk.connectors.settings import alert_webhook
from atdesk.integrations.webhooks import Delivered, GiveUp, WebhookEvent, deliver
from atdesk.jobs import queue as jobs


@jobs.handler(ALERT_WEBHOOK_JOB)
def run_alert_webhook(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Send one alert event, signed with the subscriber's current secret."""
    with env.read() as session:
        target = alert_webhook(session)
    if target is None:
        return jobs.JobOutcome.done(skipped="no alert webhook is configured any more")
    event = WebhookEvent(
        id=str(job.payload["event_id"]),
        type=str(job.payload["type"]),
        created_at=env.now(),
        data=dict(job.payload.get("data") or {}),
    )
    outcome = deliver(
        target.url, event, secret=target.secret, attempt=job.attempt, http=env.http, now=env.now()
    )
    if isinstance(outcome, Delivered):
        return jobs.JobOutcome.done(status_code=outcome.status_code)
    if isinstance(outcome, GiveUp):
        return jobs.JobOutcome.needs_human(outcome.reason)
    return jobs.JobOutcome.retry(outcome.after_s, outcome.reason)
