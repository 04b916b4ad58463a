"""Reading emerging issues for pages, the API and other insights (incidents, spikes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible, may_see_brand, restrict
from atdesk.domain.errors import AppError
from atdesk.models import Brand, Issue, Post

# Statuses a viewer sees (any other would be a group still in the making: hidden).
VISIBLE_STATUSES = ("open", "closed")


@dataclass(frozen=True, slots=True)
class IssueSnapshot:
    """What another capability needs of an issue: its name, its terms and the cases it touches."""

    id: int
    brand_id: int
    label: str
    terms: list[str]
    case_ids: list[int]


def issue_snapshot(
    session: Session, issue_id: int, brand_ids: frozenset[int] | None
) -> IssueSnapshot | None:
    """The issue as it stands now, or None when it is missing or belongs to a brand outside
    `brand_ids` (None: every brand)."""
    issue = session.get(Issue, issue_id)
    if issue is None or issue.status not in VISIBLE_STATUSES:
        return None
    if not may_see_brand(brand_ids, issue.brand_id):
        return None
    case_ids = session.scalars(
        select(Post.case_id)
        .where(Post.issue_id == issue.id, Post.case_id.is_not(None))
        .distinct()
        .order_by(Post.case_id)
    ).all()
    return IssueSnapshot(
        id=issue.id,
        brand_id=issue.brand_id,
        label=issue.label,
        terms=list(issue.terms),
        case_ids=[int(case_id) for case_id in case_ids if case_id is not None],
    )


# Issues a list shows at most, and hours of volume each row and the issue page show.
LIST_LIMIT = 500
LIST_HOURS = 24
DETAIL_HOURS = 48
EXAMPLES = 10
# Posts whose entities and intents are counted on the issue page, newest first.
DETAIL_SAMPLE = 2_000
STATUSES = ("open", "closed", "all")


@dataclass(frozen=True, slots=True)
class HourCount:
    """Posts of an issue created in one hour (UTC)."""

    hour: datetime
    posts: int


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One issue in a list: what it is about, how big, since when, and its recent hours."""

    id: int
    brand_id: int
    brand: str
    label: str
    terms: list[str]
    status: str
    origin: str
    posts: int
    first_seen: datetime
    last_seen: datetime
    hours: list[HourCount]

    @property
    def peak(self) -> int:
        """The busiest hour's count (at least 1), to scale the bars."""
        return max([h.posts for h in self.hours] + [1])


@dataclass(frozen=True, slots=True)
class ExamplePost:
    """A post of the issue, linked to its case."""

    id: int
    case_id: int | None
    text: str
    created_at: datetime
    intent: str | None
    network: str


@dataclass(frozen=True, slots=True)
class IssueDetail:
    """Everything the issue page shows."""

    row: IssueRow
    examples: list[ExamplePost]
    brands: list[tuple[str, int]]
    places: list[tuple[str, int]]
    intents: list[tuple[str, int]]
    days: list[tuple[date, int]]


def list_issues(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    status: str = "open",
    brand_id: int | None = None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
) -> tuple[list[IssueRow], int]:
    """The viewer's brands' issues, most recently active first, and how many there are."""
    if status not in STATUSES:
        raise AppError(f"status must be one of {', '.join(STATUSES)}")
    query = restrict(
        select(Issue, Brand.name).join(Brand, Brand.id == Issue.brand_id),
        brand_ids,
        Issue.brand_id,
    )
    query = query.where(Issue.status.in_(VISIBLE_STATUSES if status == "all" else (status,)))
    if brand_id is not None:
        query = query.where(Issue.brand_id == brand_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Issue.last_seen.desc(), Issue.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_row(session, issue, name, LIST_HOURS) for issue, name in rows], int(total)


def issue_detail(session: Session, issue_id: int, brand_ids: frozenset[int] | None) -> IssueDetail:
    """One issue of the viewer's brands; NotVisible (404) for a missing one or another brand's."""
    found = session.execute(
        select(Issue, Brand.name)
        .join(Brand, Brand.id == Issue.brand_id)
        .where(Issue.id == issue_id)
    ).first()
    if found is None or found[0].status not in VISIBLE_STATUSES:
        raise NotVisible(f"no issue {issue_id}")
    issue, brand = found
    if not may_see_brand(brand_ids, issue.brand_id):
        raise NotVisible(f"no issue {issue_id}")
    posts = session.execute(
        select(
            Post.id,
            Post.case_id,
            Post.text,
            Post.created_at,
            Post.intent,
            Post.network,
            Post.entities,
        )
        .where(Post.issue_id == issue.id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(DETAIL_SAMPLE)
    ).all()
    places: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    for post in posts:
        entities = post.entities if isinstance(post.entities, dict) else {}
        places.update({str(p).strip() for p in entities.get("locations", []) if str(p).strip()})
        intents[post.intent or "unknown"] += 1
    # The UTC day: PostgreSQL would take its session's zone for a timestamptz; SQLite stores UTC.
    sqlite = _dialect(session) == "sqlite"
    day = func.date(Post.created_at if sqlite else func.timezone("UTC", Post.created_at))
    days = [
        (_as_date(d), int(n))
        for d, n in session.execute(
            select(day, func.count()).where(Post.issue_id == issue.id).group_by(day).order_by(day)
        )
    ]
    return IssueDetail(
        row=_row(session, issue, brand, DETAIL_HOURS),
        examples=[
            ExamplePost(p.id, p.case_id, p.text, p.created_at, p.intent, p.network)
            for p in posts[:EXAMPLES]
        ],
        brands=[(brand, issue.post_count)],
        places=places.most_common(10),
        intents=intents.most_common(),
        days=days,
    )


def _row(session: Session, issue: Issue, brand: str, hours: int) -> IssueRow:
    """An issue with its hourly volume over the `hours` up to its last post."""
    end = issue.last_seen.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    counts: Counter[datetime] = Counter()
    for created in session.scalars(
        select(Post.created_at).where(
            Post.issue_id == issue.id, Post.created_at >= start, Post.created_at < end
        )
    ):
        counts[created.replace(minute=0, second=0, microsecond=0)] += 1
    return IssueRow(
        id=issue.id,
        brand_id=issue.brand_id,
        brand=brand,
        label=issue.label,
        terms=list(issue.terms),
        status=issue.status,
        origin=issue.origin,
        posts=issue.post_count,
        first_seen=issue.first_seen,
        last_seen=issue.last_seen,
        hours=[
            HourCount(start + timedelta(hours=h), counts[start + timedelta(hours=h)])
            for h in range(hours)
        ],
    )


def _as_date(value: object) -> date:
    """SQLite's DATE() gives text, PostgreSQL's a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _dialect(session: Session) -> str:
    """The database's dialect name."""
    return session.get_bind().dialect.name
