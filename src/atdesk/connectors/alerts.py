"""Channel health alerts: a notice opens (or refreshes) one alert per account and kind.

Auth and rate-limit alerts close on the account's next successful call; a failing stream,
an invalid webhook and a budget slow-down close on the `recovered` notice of the reader
that raised them. Every alert opened or closed is also a signed webhook event, queued in
the same transaction on the durable outbound-job table, so a subscriber learns of it even
when it is down for a while.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atdesk.channels.observer import HealthKind, HealthNotice
from atdesk.connectors.settings import alert_webhook
from atdesk.domain.networks import Network
from atdesk.models import AutomationJob, ChannelAccount, ChannelAlert
from atdesk.models.base import utcnow

log = logging.getLogger(__name__)

ALERT_WEBHOOK_JOB = "channel_alert.webhook"
OPENED = "channel.alert.opened"
CLOSED = "channel.alert.closed"

# Which alerts a successful call proves over, and which a reader's `recovered` ends.
CLOSED_BY_SUCCESS = frozenset(
    {HealthKind.AUTH_EXPIRED, HealthKind.AUTH_REVOKED, HealthKind.RATE_LIMITED}
)
CLOSED_BY_RECOVERY = {
    "poll": frozenset({HealthKind.BUDGET_THROTTLED}),
    "stream": frozenset({HealthKind.STREAM_FAILING}),
    "webhook": frozenset({HealthKind.WEBHOOK_INVALID}),
}
WHAT_TO_DO = {
    HealthKind.AUTH_EXPIRED: "The token expired and could not be renewed: reconnect the account.",
    HealthKind.AUTH_REVOKED: "The network refused the credentials: reconnect the account.",
    HealthKind.RATE_LIMITED: "Calls wait until the rate-limit window resets.",
    HealthKind.STREAM_FAILING: "Polling fills the gap while the stream reconnects.",
    HealthKind.WEBHOOK_INVALID: "X stopped delivering webhooks: check the public URL and CRC.",
    HealthKind.BUDGET_THROTTLED: "Raise the monthly budget to poll at the normal pace.",
}


def _open_alert(session: Session, network: str, account: str, kind: str) -> ChannelAlert | None:
    return session.scalar(
        select(ChannelAlert).where(
            ChannelAlert.network == network,
            ChannelAlert.account == account,
            ChannelAlert.kind == kind,
            ChannelAlert.closed_at.is_(None),
        )
    )


def _event_data(session: Session, alert: ChannelAlert) -> dict[str, object]:
    account = (
        session.get(ChannelAccount, alert.channel_account_id)
        if alert.channel_account_id is not None
        else None
    )
    return {
        "alert_id": alert.id,
        "network": alert.network,
        "account": alert.account,
        "brand_id": account.brand_id if account is not None else None,
        "kind": alert.kind,
        "message": alert.message,
        "opened_at": alert.opened_at.isoformat(),
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
        "closed_reason": alert.closed_reason,
    }


def _queue_event(session: Session, alert: ChannelAlert, event_type: str) -> None:
    """A signed webhook event for subscribers, sent by the workers' job runner.

    The job row is written here directly (not through `automations.jobs.enqueue`) so that
    the respond stage, which records spend and alerts of replies, need not import the
    automation stage; the handler lives in `connectors.alert_events`.
    """
    if alert_webhook(session) is None:
        return
    phase = "opened" if event_type == OPENED else "closed"
    key = f"{ALERT_WEBHOOK_JOB}:{alert.id}:{phase}"
    if session.scalar(select(AutomationJob.id).where(AutomationJob.key == key)) is not None:
        return
    session.add(
        AutomationJob(
            kind=ALERT_WEBHOOK_JOB,
            key=key,
            payload={"event_id": key, "type": event_type, "data": _event_data(session, alert)},
            status="queued",  # automations.jobs.QUEUED
            attempts=0,
            due_at=utcnow(),
            result={},
        )
    )
    session.flush()


def raise_alert(
    session: Session, notice: HealthNotice, *, channel_account_id: int | None
) -> ChannelAlert:
    """Open the alert for this problem, or refresh the one already open."""
    network, kind = notice.network.value, notice.kind.value
    advice = WHAT_TO_DO.get(notice.kind, "")
    message = f"{notice.message}. {advice}".strip() if advice else notice.message
    alert = _open_alert(session, network, notice.account, kind)
    if alert is not None:
        alert.count += 1
        alert.last_seen_at = notice.at
        alert.message = message[:2000]
        alert.reset_at = notice.reset_at
        if channel_account_id is not None:
            alert.channel_account_id = channel_account_id
        session.flush()
        return alert
    alert = ChannelAlert(
        channel_account_id=channel_account_id,
        network=network,
        account=notice.account,
        kind=kind,
        message=message[:2000],
        count=1,
        opened_at=notice.at,
        last_seen_at=notice.at,
        reset_at=notice.reset_at,
    )
    savepoint = session.begin_nested()
    try:
        session.add(alert)
        session.flush()
    except IntegrityError:
        # Another worker opened the same alert a moment ago: refresh theirs instead.
        savepoint.rollback()
        existing = _open_alert(session, network, notice.account, kind)
        if existing is None:
            raise
        existing.count += 1
        existing.last_seen_at = notice.at
        session.flush()
        return existing
    savepoint.commit()
    log.warning("%s account %s: %s", network, notice.account, message)
    _queue_event(session, alert, OPENED)
    return alert


def close_alerts(
    session: Session,
    network: Network,
    account: str,
    kinds: Iterable[HealthKind],
    *,
    at: datetime,
    reason: str,
) -> list[ChannelAlert]:
    """Close the account's open alerts of these kinds; returns what was closed."""
    wanted = [k.value for k in kinds]
    if not wanted:
        return []
    alerts = list(
        session.scalars(
            select(ChannelAlert).where(
                ChannelAlert.network == network.value,
                ChannelAlert.account == account,
                ChannelAlert.kind.in_(wanted),
                ChannelAlert.closed_at.is_(None),
            )
        )
    )
    for alert in alerts:
        alert.closed_at = at
        alert.closed_reason = reason[:200]
        log.info("%s account %s: %s alert closed (%s)", network, account, alert.kind, reason)
    session.flush()
    for alert in alerts:
        _queue_event(session, alert, CLOSED)
    return alerts


def apply_notice(
    session: Session, notice: HealthNotice, *, source: str, channel_account_id: int | None
) -> None:
    """What a health notice means for the alerts of its account."""
    if notice.kind is HealthKind.RECOVERED:
        kinds = CLOSED_BY_RECOVERY.get(source, frozenset())
        close_alerts(
            session, notice.network, notice.account, kinds, at=notice.at, reason=notice.message
        )
        return
    raise_alert(session, notice, channel_account_id=channel_account_id)
