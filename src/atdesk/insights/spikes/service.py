"""Writing spike alerts: raise each spike once, keep it current, close it when volume is back
to the norm, acknowledge it, and save a brand's settings. Functions flush; the caller commits.

Every alert opened or closed is also a signed webhook event for the brand's subscriber,
queued on the durable job table in the same transaction (sent by `tasks.run_spike_webhook`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.brands.settings import store_settings_change
from atdesk.domain.errors import Conflict
from atdesk.insights.spikes.settings import (
    SETTINGS_KEY,
    SpikeSettings,
    parse_settings,
    spike_settings,
)
from atdesk.insights.spikes.severity import Severity
from atdesk.insights.spikes.trends import Spike
from atdesk.jobs import queue as jobs
from atdesk.models import Brand, SpikeAlert, User

OPEN = "open"
CLOSED = "closed"
WEBHOOK_JOB = "spike_alert.webhook"
OPENED_EVENT = "spike.alert.opened"
CLOSED_EVENT = "spike.alert.closed"


@dataclass(slots=True)
class SyncReport:
    """What one check changed."""

    opened: int = 0
    updated: int = 0
    closed: int = 0


def alert_data(alert: SpikeAlert, brand_name: str) -> dict[str, Any]:
    """The alert as the API and the webhook show it."""
    return {
        "alert_id": alert.id,
        "brand_id": alert.brand_id,
        "brand": brand_name,
        "series": alert.series_key,
        "kind": alert.kind,
        "intent": alert.intent,
        "issue_id": alert.issue_id,
        "label": alert.label,
        "terms": list(alert.terms or []),
        "start": alert.started_at.isoformat(),
        "end": alert.ended_at.isoformat(),
        "detected_at": alert.detected_at.isoformat(),
        "posts": alert.posts,
        "baseline_per_hour": round(alert.baseline_per_hour, 2),
        "peak_per_hour": round(alert.peak_per_hour, 2),
        "severity": alert.severity,
        "status": alert.status,
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
    }


def _queue_webhook(
    session: Session, alert: SpikeAlert, brand: Brand, event: str, *, now: datetime
) -> None:
    """A signed event for the brand's subscriber, if it has one (sent after commit)."""
    if not spike_settings(brand).webhook_url:
        return
    phase = "opened" if event == OPENED_EVENT else "closed"
    key = f"{WEBHOOK_JOB}:{alert.id}:{phase}"
    jobs.enqueue(
        session,
        kind=WEBHOOK_JOB,
        key=key,
        payload={"event_id": key, "type": event, "data": alert_data(alert, brand.name)},
        brand_id=brand.id,
        due_at=now,
    )


def _fill(alert: SpikeAlert, spike: Spike) -> None:
    burst = spike.burst
    alert.label = spike.label[:300]
    alert.terms = list(spike.terms)
    alert.started_at = min(alert.started_at, burst.start) if alert.started_at else burst.start
    alert.ended_at = burst.end
    alert.posts = max(alert.posts or 0, burst.posts)
    alert.baseline_per_hour = burst.baseline_per_hour
    alert.peak_per_hour = max(alert.peak_per_hour or 0.0, burst.peak_per_hour)
    alert.p_value = min(alert.p_value, burst.p_value) if alert.p_value else burst.p_value
    if not alert.severity or Severity(alert.severity).rank < burst.severity.rank:
        alert.severity = burst.severity.value


def _same_spike(session: Session, spike: Spike, taken: set[int]) -> SpikeAlert | None:
    """The alert already raised for this burst: the series' open one or one overlapping it,
    else one of a broader or narrower series of the brand over the same time (which series
    tells a burst best can change as it grows)."""
    burst = spike.burst
    overlapping = (SpikeAlert.started_at <= burst.end) & (SpikeAlert.ended_at >= burst.start)
    query = (
        select(SpikeAlert)
        .where(
            SpikeAlert.brand_id == spike.brand_id,
            SpikeAlert.kind == burst.kind,
            SpikeAlert.id.not_in(sorted(taken) or [-1]),
        )
        .order_by(SpikeAlert.status.desc(), SpikeAlert.started_at.desc())
        .limit(1)
    )
    own = session.scalar(
        query.where(
            SpikeAlert.series_key == spike.series.key, (SpikeAlert.status == OPEN) | overlapping
        )
    )
    return own if own is not None else session.scalar(query.where(overlapping))


def _retell(session: Session, alert: SpikeAlert, spike: Spike) -> None:
    """Move an alert to the series that now tells its burst best, unless that series has an
    open alert of its own."""
    key = spike.series.key
    if alert.series_key == key:
        return
    clash = session.scalar(
        select(SpikeAlert.id).where(
            SpikeAlert.brand_id == alert.brand_id,
            SpikeAlert.series_key == key,
            SpikeAlert.kind == alert.kind,
            SpikeAlert.status == OPEN,
            SpikeAlert.id != alert.id,
        )
    )
    if clash is None:
        alert.series_key = key
        alert.intent = spike.series.value if spike.series.kind == "intent" else None
        alert.issue_id = int(spike.series.value) if spike.series.kind == "issue" else None


def _close(session: Session, alert: SpikeAlert, brand: Brand, *, now: datetime) -> None:
    alert.status = CLOSED
    alert.closed_at = now
    session.flush()
    _queue_webhook(session, alert, brand, CLOSED_EVENT, now=now)


def _raise(session: Session, spike: Spike, brand: Brand, *, now: datetime) -> SpikeAlert | None:
    """A new alert for this spike, or None when another worker raised it just now."""
    burst = spike.burst
    alert = SpikeAlert(
        brand_id=spike.brand_id,
        series_key=spike.series.key,
        kind=burst.kind,
        intent=spike.series.value if spike.series.kind == "intent" else None,
        issue_id=int(spike.series.value) if spike.series.kind == "issue" else None,
        detected_at=burst.detected_at,
        status=OPEN,
        posts=0,
        peak_per_hour=0.0,
        p_value=0.0,
        severity="",
        created_at=now,
        updated_at=now,
    )
    _fill(alert, spike)
    savepoint = session.begin_nested()
    try:
        session.add(alert)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    _queue_webhook(session, alert, brand, OPENED_EVENT, now=now)
    return alert


def sync_alerts(
    session: Session, spikes: Iterable[Spike], *, brands: Iterable[Brand], now: datetime
) -> SyncReport:
    """Make the alerts of `brands` match what the detector sees now: new spikes at or above
    the brand's grade are raised once, known ones updated, and open alerts whose burst is
    over (or no longer seen) closed."""
    report = SyncReport()
    checked = {b.id: b for b in brands}
    seen: set[int] = set()
    for spike in spikes:
        brand = checked.get(spike.brand_id)
        if brand is None:
            continue
        alert = _same_spike(session, spike, seen)
        if alert is None:
            if spike.burst.severity.rank < spike_settings(brand).min_severity.rank:
                continue
            alert = _raise(session, spike, brand, now=now)
            if alert is None:
                continue
            report.opened += 1
        else:
            _retell(session, alert, spike)
            _fill(alert, spike)
            report.updated += 1
        seen.add(alert.id)
        if alert.status == OPEN and not spike.burst.ongoing:
            _close(session, alert, brand, now=now)
            report.closed += 1
    still_open = session.scalars(
        select(SpikeAlert).where(
            SpikeAlert.status == OPEN, SpikeAlert.brand_id.in_(sorted(checked) or [-1])
        )
    ).all()
    for alert in still_open:
        if alert.id not in seen:
            _close(session, alert, checked[alert.brand_id], now=now)
            report.closed += 1
    session.flush()
    return report


def acknowledge(session: Session, alert: SpikeAlert, user: User, *, now: datetime) -> SpikeAlert:
    """Mark that someone is on it: the inbox banner stops showing it to everyone."""
    if alert.acknowledged_at is not None:
        raise Conflict(f"alert {alert.id} was already acknowledged")
    alert.acknowledged_by_id = user.id
    alert.acknowledged_at = now
    audit.record(
        session,
        entity_type="spike_alert",
        entity_id=alert.id,
        action="spike_alert.acknowledged",
        actor=user,
        after={"label": alert.label, "brand_id": alert.brand_id},
    )
    session.flush()
    return alert


def save_settings(
    session: Session, brand: Brand, changes: Mapping[str, Any], *, actor: User | str
) -> SpikeSettings:
    """Check and store a change to the brand's spike settings, audited on the brand."""
    before = spike_settings(brand)
    after = parse_settings(changes, before)
    if after != before:
        store_settings_change(
            session,
            brand,
            {SETTINGS_KEY: after.to_json()},
            action="brand.spikes",
            actor=actor,
            before=before.public(),
            after=after.public(),
        )
    return after
