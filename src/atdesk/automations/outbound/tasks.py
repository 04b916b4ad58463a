"""Signed webhook deliveries: rule webhooks and the callback dialer, retried on the schedule.

The payload in the job names what to send, never a secret or a phone number: the secret is
read from the rule or the brand when the event goes out, and the dialer event is built from
the callback and customer record at that moment, so a rotated secret or a corrected number
is what the receiver gets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from atdesk.automations.engine.queries import spec_of
from atdesk.automations.engine.rules import WebhookAction
from atdesk.automations.engine.settings import brand_config
from atdesk.integrations.callbacks import CallbackEventType, CallbackWindow, dialer_event
from atdesk.integrations.webhooks import Delivered, GiveUp, WebhookEvent, deliver
from atdesk.jobs import queue as jobs
from atdesk.models import AutomationRule, Brand, Callback, Customer

WEBHOOK_JOB = "webhook.deliver"


def _rule_target(
    session: Session, job: jobs.JobView, now: datetime
) -> tuple[str, str, WebhookEvent] | str:
    rule = session.get(AutomationRule, int(job.payload["rule_id"]))
    if rule is None:
        return "the rule was deleted"
    url = str(job.payload["url"])
    action = next(
        (a for a in spec_of(rule).then if isinstance(a, WebhookAction) and a.url == url), None
    )
    if action is None:
        return f"the rule no longer sends to {url}"
    event = WebhookEvent(
        id=str(job.payload["event_id"]),
        type=str(job.payload["type"]),
        created_at=now,
        data=dict(job.payload.get("data") or {}),
    )
    return url, action.secret, event


def _dialer_target(
    session: Session, job: jobs.JobView, env: jobs.JobEnv
) -> tuple[str, str, WebhookEvent] | str:
    callback = session.get(Callback, int(job.payload["callback_id"]))
    brand = session.get(Brand, callback.brand_id) if callback else None
    if callback is None or brand is None:
        return "the callback is gone"
    config = brand_config(session, brand, env.settings)
    if config.dialer is None:
        return "the brand no longer has a dialer configured"
    customer = session.get(Customer, callback.customer_id) if callback.customer_id else None
    event = dialer_event(
        event_id=str(job.payload["event_id"]),
        event_type=CallbackEventType(str(job.payload["event_type"])),
        callback_id=str(callback.id),
        case_id=str(callback.case_id or ""),
        window=CallbackWindow(
            callback.window_start,
            callback.window_end,
            callback.window_requested,
            callback.window_phrase,
        ),
        reason=callback.reason,
        customer_id=str(customer.id) if customer else None,
        customer_name=customer.name if customer else None,
        phone=customer.phone if customer else None,
        now=env.now(),
    )
    return config.dialer.url, config.dialer.secret or env.settings.signing_key, event


@jobs.handler(WEBHOOK_JOB)
def run_webhook(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Send the event signed; 2xx is done, refusals wait for a person, the rest retry."""
    with env.read() as session:
        if job.payload.get("target") == "dialer":
            target = _dialer_target(session, job, env)
        else:
            target = _rule_target(session, job, env.now())
    if isinstance(target, str):
        return jobs.JobOutcome.done(skipped=target)
    url, secret, event = target
    outcome = deliver(url, event, secret=secret, attempt=job.attempt, http=env.http, now=env.now())
    if isinstance(outcome, Delivered):
        return jobs.JobOutcome.done(status_code=outcome.status_code)
    if isinstance(outcome, GiveUp):
        return jobs.JobOutcome.needs_human(outcome.reason)
    return jobs.JobOutcome.retry(outcome.after_s, outcome.reason)
