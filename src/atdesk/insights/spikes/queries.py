"""Reading what spike detection needs: the brands' inbound posts as series, their texts, alerts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.insights.spikes.baseline import BASELINE_DAYS
from atdesk.insights.spikes.schemas import SpikeAlertOut, SpikeSettingsOut
from atdesk.insights.spikes.settings import SpikeSettings
from atdesk.insights.spikes.terms import post_terms
from atdesk.models import Brand, Issue, Post, SpikeAlert, User

NEGATIVE = "negative"
TEXT_SAMPLE = 2000
# The oldest 1/STRAY_SHARE of a brand's posts are taken as strays before its real history.
STRAY_SHARE = 100


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """Which posts a series counts: the brand's, one intent's or one issue's."""

    kind: str  # "brand", "intent", "issue" or "term" (a rare term's similar posts)
    value: str = ""

    @property
    def key(self) -> str:
        """Stable text form stored on alerts: "brand", "intent:billing", "issue:12",
        "term:update 5.2"."""
        return self.kind if self.kind == "brand" else f"{self.kind}:{self.value}"


@dataclass(slots=True)
class BrandPosts:
    """One brand's inbound posts in the window, grouped into series."""

    brand: Brand
    history_start: datetime
    series: dict[SeriesKey, list[tuple[datetime, bool]]] = field(default_factory=dict)
    texts: list[tuple[datetime, bool, str]] = field(default_factory=list)  # for term series


def _counted() -> Select[int | None, str | None, str | None, datetime, int | None, str]:
    """Inbound posts a person wrote to a brand: no replies of ours, filtered noise or spam."""
    return select(
        Post.brand_id, Post.intent, Post.sentiment, Post.created_at, Post.issue_id, Post.text
    ).where(
        Post.inbound.is_(True),
        Post.brand_id.is_not(None),
        Post.filtered_reason.is_(None),
        Post.spam.is_(False),
    )


def history_starts(session: Session, brand_ids: frozenset[int] | None) -> dict[int, datetime]:
    """When each brand's steady history begins: its first percentile of inbound posts, so a
    replay whose first few posts are years older than the rest does not count the empty years
    between as a norm of silence."""
    counts = session.execute(
        restrict(
            select(Post.brand_id, func.count(Post.id))
            .where(Post.inbound.is_(True), Post.brand_id.is_not(None))
            .group_by(Post.brand_id),
            brand_ids,
            Post.brand_id,
        )
    ).all()
    starts: dict[int, datetime] = {}
    for brand_id, total in counts:
        if brand_id is None:
            continue
        start = session.scalar(
            select(Post.created_at)
            .where(Post.inbound.is_(True), Post.brand_id == brand_id)
            .order_by(Post.created_at)
            .offset(int(total) // STRAY_SHARE)
            .limit(1)
        )
        if start is not None:
            starts[int(brand_id)] = start
    return starts


def newest_post(session: Session, brand_ids: frozenset[int] | None) -> datetime | None:
    """The newest inbound post's created_at: where a replayed history ends."""
    query = select(func.max(Post.created_at)).where(Post.inbound.is_(True))
    value: datetime | None = session.scalar(restrict(query, brand_ids, Post.brand_id))
    return value


def load_series(
    session: Session, *, since: datetime, until: datetime, brand_ids: frozenset[int] | None
) -> list[BrandPosts]:
    """Every brand's series over [since - baseline days, until): per brand and per intent."""
    starts = history_starts(session, brand_ids)
    if not starts:
        return []
    brands = {
        b.id: b
        for b in session.scalars(restrict(select(Brand), brand_ids, Brand.id)).all()
        if b.id in starts
    }
    low = since - timedelta(days=BASELINE_DAYS + 1)
    query = restrict(
        _counted().where(Post.created_at >= low, Post.created_at < until),
        brand_ids,
        Post.brand_id,
    )
    grouped: dict[int, BrandPosts] = {}
    issues = _named_issues(session, brand_ids)
    for brand_id, intent, sentiment, created_at, issue_id, text in session.execute(query):
        brand = brands.get(int(brand_id or 0))
        if brand is None:
            continue
        entry = grouped.get(brand.id)
        if entry is None:
            entry = grouped[brand.id] = BrandPosts(brand, starts[brand.id])
        point = (created_at, sentiment == NEGATIVE)
        entry.series.setdefault(SeriesKey("brand"), []).append(point)
        entry.texts.append((created_at, point[1], text or ""))
        if intent:
            entry.series.setdefault(SeriesKey("intent", intent), []).append(point)
        if issue_id is not None and issue_id in issues:
            entry.series.setdefault(SeriesKey("issue", str(issue_id)), []).append(point)
    return sorted(grouped.values(), key=lambda e: e.brand.name)


def _named_issues(session: Session, brand_ids: frozenset[int] | None) -> set[int]:
    """The brands' emerging issues (open or closed: a closed one may have had a burst)."""
    query = select(Issue.id)
    return set(session.scalars(restrict(query, brand_ids, Issue.brand_id)).all())


def issue_name(session: Session, issue_id: int) -> tuple[str, list[str]] | None:
    """An issue's own label and terms, which name its spikes."""
    issue = session.get(Issue, issue_id)
    if issue is None:
        return None
    return issue.label or f"issue {issue.id}", list(issue.terms or [])


def series_texts(
    session: Session,
    *,
    brand_id: int,
    series: SeriesKey,
    start: datetime,
    end: datetime,
    limit: int = TEXT_SAMPLE,
) -> list[str]:
    """The texts of a series' posts in [start, end] (the newest `limit`), for its terms."""
    query = select(Post.text).where(
        Post.inbound.is_(True),
        Post.brand_id == brand_id,
        Post.filtered_reason.is_(None),
        Post.spam.is_(False),
        Post.created_at >= start,
        Post.created_at <= end,
    )
    if series.kind == "intent":
        query = query.where(Post.intent == series.value)
    elif series.kind == "issue":
        query = query.where(Post.issue_id == int(series.value))
    elif series.kind == "term":  # the posts that use the term (filtered here: terms are ours)
        texts = session.scalars(query.order_by(Post.created_at.desc())).all()
        return [t for t in texts if series.value in post_terms(t)][:limit]
    return list(session.scalars(query.order_by(Post.created_at.desc()).limit(limit)).all())


def by_brand(alerts: Sequence[SpikeAlert]) -> dict[int, list[SpikeAlert]]:
    """Alerts grouped per brand, newest first within each."""
    grouped: dict[int, list[SpikeAlert]] = defaultdict(list)
    for alert in alerts:
        grouped[alert.brand_id].append(alert)
    return dict(grouped)


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts a list shows (always within the viewer's brands)."""

    brand_ids: frozenset[int] | None
    brand_id: int | None = None
    status: str | None = None


def list_alerts(
    session: Session, where: AlertFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[SpikeAlert], int]:
    """Alerts of the viewer's brands, open first, then newest."""
    query = restrict(select(SpikeAlert), where.brand_ids, SpikeAlert.brand_id)
    if where.brand_id is not None:
        query = query.where(SpikeAlert.brand_id == where.brand_id)
    if where.status:
        query = query.where(SpikeAlert.status == where.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(SpikeAlert.status.desc(), SpikeAlert.started_at.desc(), SpikeAlert.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def open_alerts(session: Session, brand_ids: frozenset[int] | None) -> list[SpikeAlert]:
    """Open alerts of the viewer's brands not yet acknowledged: what the inbox banner shows."""
    query = restrict(
        select(SpikeAlert).where(SpikeAlert.status == "open", SpikeAlert.acknowledged_at.is_(None)),
        brand_ids,
        SpikeAlert.brand_id,
    )
    return list(session.scalars(query.order_by(SpikeAlert.started_at.desc()).limit(20)).all())


def alerts_out(session: Session, alerts: Sequence[SpikeAlert]) -> list[SpikeAlertOut]:
    """The API view of alerts, with brand names and who acknowledged them."""
    brand_ids = sorted({a.brand_id for a in alerts}) or [-1]
    brand_names = {
        int(i): str(n)
        for i, n in session.execute(select(Brand.id, Brand.name).where(Brand.id.in_(brand_ids)))
    }
    user_ids = sorted({a.acknowledged_by_id for a in alerts if a.acknowledged_by_id}) or [-1]
    users = {
        int(i): str(n)
        for i, n in session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))
    }
    return [
        SpikeAlertOut(
            id=a.id,
            brand_id=a.brand_id,
            brand=brand_names.get(a.brand_id, ""),
            series=a.series_key,
            kind=a.kind,
            intent=a.intent,
            issue_id=a.issue_id,
            label=a.label,
            terms=list(a.terms or []),
            start=a.started_at,
            end=a.ended_at,
            detected_at=a.detected_at,
            posts=a.posts,
            baseline_per_hour=round(a.baseline_per_hour, 2),
            peak_per_hour=round(a.peak_per_hour, 2),
            severity=a.severity,
            status=a.status,
            closed_at=a.closed_at,
            acknowledged_by=users.get(a.acknowledged_by_id) if a.acknowledged_by_id else None,
            acknowledged_at=a.acknowledged_at,
        )
        for a in alerts
    ]


def settings_out(brand_id: int, settings: SpikeSettings) -> SpikeSettingsOut:
    """The API view of a brand's settings."""
    return SpikeSettingsOut(
        brand_id=brand_id,
        enabled=settings.enabled,
        min_posts=settings.min_posts,
        sensitivity=settings.sensitivity,
        min_severity=settings.min_severity.value,
        webhook_url=settings.webhook_url,
        webhook_secret_set=bool(settings.webhook_secret),
    )
