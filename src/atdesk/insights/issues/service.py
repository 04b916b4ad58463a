"""Making and keeping issues: the batch rebuild over stored posts, the live path's assignment
to open issues, and the discovery pass that turns gathered candidates into issues (ADR 85).

Candidates are the brand's recent eligible posts that no issue took yet (`posts.issue_id` is
NULL); a discovery pass groups them and a group of at least `min_posts` alike posts with a
distinctive term becomes an open issue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from atdesk.insights.issues.grouping import DEFAULT, Thresholds, centroid, group_vectors
from atdesk.insights.issues.terms import distinctive_terms, label_of, label_tokens
from atdesk.insights.issues.vectors import FloatMatrix, pack, post_vectors, unit, unpack
from atdesk.models import Issue, Post
from atdesk.pipeline.runner import StoredInbound

# An open issue with no new post for this long is closed (kept, no longer offered live posts).
CLOSE_AFTER = timedelta(hours=72)
# Discovery looks at the newest unassigned posts of a brand within this span of each other...
CANDIDATE_WINDOW = timedelta(hours=24)
# ...and at most this many of them (the grouping's cost grows with the square).
CANDIDATE_LIMIT = 2_000
# A post needs this many content terms (no stop words, handles or links) to say what is wrong:
# "thanks!" and "yes" are alike but are not an issue.
MIN_TERMS = 2
# Posts whose texts label a live issue again, newest first.
LABEL_SAMPLE = 300
SQL_CHUNK = 500


def chunked(values: Sequence[int], size: int = SQL_CHUNK) -> Iterable[list[int]]:
    """Id lists short enough for one IN (...) on every database."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def eligible() -> ColumnElement[bool]:
    """Posts that can belong to an issue: a customer's, to a brand, not noise, not deleted."""
    return and_(
        Post.inbound.is_(True),
        Post.filtered_reason.is_(None),
        Post.brand_id.is_not(None),
        Post.deleted_at.is_(None),
    )


def says_something(text: str) -> bool:
    """True when a post has enough content terms to take part in grouping."""
    return len(label_tokens(text)) >= MIN_TERMS


@dataclass(frozen=True, slots=True)
class PostText:
    """What grouping reads of a stored post."""

    id: int
    text: str
    created_at: datetime


@dataclass(slots=True)
class PlannedIssue:
    """A group found by clustering, ready to be written as an issue."""

    post_ids: list[int]
    terms: list[str]
    centroid: bytes
    first_seen: datetime
    last_seen: datetime
    issue_id: int | None = None

    @property
    def label(self) -> str:
        """The readable name."""
        return label_of(self.terms)


@dataclass(slots=True)
class BrandPlan:
    """Everything a rebuild of one brand will write, computed with no transaction open."""

    brand_id: int
    since: datetime | None
    until: datetime | None
    posts: int = 0
    issues: list[PlannedIssue] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """What a rebuild of one brand did, for the command's report."""

    brand_id: int
    posts: int
    grouped: int
    issues: int
    created: int
    removed: int


def plan_groups(
    posts: Sequence[PostText],
    thresholds: Thresholds = DEFAULT,
    background: Sequence[str] = (),
) -> list[PlannedIssue]:
    """Group posts (those that say something) into planned issues, labelled against the
    brand's other posts; a group with no distinctive term is dropped."""
    usable = [p for p in posts if says_something(p.text)]
    if len(usable) < thresholds.min_posts:
        return []
    vectors = post_vectors([p.text for p in usable])
    labels = group_vectors(vectors, thresholds)
    count = int(labels.max()) + 1 if labels.size else 0
    members = [np.flatnonzero(labels == g) for g in range(count)]
    others = [usable[i].text for i in np.flatnonzero(labels < 0)] + list(background)
    terms = distinctive_terms([[usable[i].text for i in m] for m in members], others)
    planned: list[PlannedIssue] = []
    for rows, group_terms in zip(members, terms, strict=True):
        if not group_terms:
            continue
        times = [usable[i].created_at for i in rows]
        planned.append(
            PlannedIssue(
                post_ids=sorted(usable[i].id for i in rows),
                terms=group_terms,
                centroid=pack(centroid(vectors[rows])),
                first_seen=min(times),
                last_seen=max(times),
            )
        )
    return planned


def _window(
    brand_id: int, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    conditions = [eligible(), Post.brand_id == brand_id]
    if since is not None:
        conditions.append(Post.created_at >= since)
    if until is not None:
        conditions.append(Post.created_at < until)
    return conditions


def read_window(
    session: Session, brand_id: int, *, since: datetime | None, until: datetime | None
) -> list[PostText]:
    """A brand's eligible posts in [since, until), oldest first."""
    rows = session.execute(
        select(Post.id, Post.text, Post.created_at)
        .where(*_window(brand_id, since, until))
        .order_by(Post.created_at, Post.id)
    ).all()
    return [PostText(r.id, r.text, r.created_at) for r in rows]


def plan_rebuild(
    posts: Sequence[PostText],
    brand_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    thresholds: Thresholds = DEFAULT,
) -> BrandPlan:
    """Cluster the posts read by `read_window` (no database: run it with no transaction open)."""
    plan = BrandPlan(brand_id, since, until, posts=len(posts))
    plan.issues = plan_groups(posts, thresholds)
    return plan


def apply_rebuild(session: Session, plan: BrandPlan, *, now: datetime) -> RebuildResult:
    """Write a rebuild: each group keeps the id of the issue that held most of its posts (so a
    rerun changes nothing), the window's other posts leave their issues, emptied issues go."""
    window = _window(plan.brand_id, plan.since, plan.until)
    previous: dict[int, int] = {}
    for chunk in chunked([pid for issue in plan.issues for pid in issue.post_ids]):
        for post_id, issue_id in session.execute(
            select(Post.id, Post.issue_id).where(Post.id.in_(chunk), Post.issue_id.is_not(None))
        ).all():
            if issue_id is not None:
                previous[post_id] = issue_id
    taken: set[int] = set()
    for planned in plan.issues:
        votes: dict[int, int] = defaultdict(int)
        for pid in planned.post_ids:
            if pid in previous:
                votes[previous[pid]] += 1
        for issue_id, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
            if issue_id not in taken:
                planned.issue_id = issue_id
                taken.add(issue_id)
                break
    before = set(session.scalars(select(Issue.id).where(Issue.brand_id == plan.brand_id)).all())
    session.execute(
        update(Post).where(*window, Post.issue_id.is_not(None)).values(issue_id=None),
        execution_options={"synchronize_session": False},
    )
    created = 0
    for planned in plan.issues:
        issue = session.get(Issue, planned.issue_id) if planned.issue_id is not None else None
        if issue is None:
            issue = Issue(brand_id=plan.brand_id, origin="rebuild", created_at=now)
            session.add(issue)
            created += 1
        issue.label, issue.terms, issue.centroid = planned.label, planned.terms, planned.centroid
        issue.first_seen, issue.last_seen = planned.first_seen, planned.last_seen
        issue.updated_at = now
        session.flush()
        planned.issue_id = issue.id
        _assign(session, issue.id, planned.post_ids)
    touched = before | {p.issue_id for p in plan.issues if p.issue_id is not None}
    removed = _recount(session, touched, now=now)
    return RebuildResult(
        brand_id=plan.brand_id,
        posts=plan.posts,
        grouped=sum(len(p.post_ids) for p in plan.issues),
        issues=len(plan.issues),
        created=created,
        removed=removed,
    )


def _assign(session: Session, issue_id: int, post_ids: Iterable[int]) -> None:
    for chunk in chunked(list(post_ids)):
        session.execute(
            update(Post).where(Post.id.in_(chunk)).values(issue_id=issue_id),
            execution_options={"synchronize_session": False},
        )


def _recount(session: Session, issue_ids: set[int], *, now: datetime) -> int:
    """Set each issue's count, first/last seen and status from its posts; drop empty ones."""
    removed = 0
    for chunk in chunked(sorted(issue_ids)):
        stats = {
            row.issue_id: row
            for row in session.execute(
                select(
                    Post.issue_id,
                    func.count().label("n"),
                    func.min(Post.created_at).label("first"),
                    func.max(Post.created_at).label("last"),
                )
                .where(Post.issue_id.in_(chunk))
                .group_by(Post.issue_id)
            )
        }
        for issue in session.scalars(select(Issue).where(Issue.id.in_(chunk))):
            row = stats.get(issue.id)
            if row is None:
                session.delete(issue)
                removed += 1
                continue
            issue.post_count = int(row.n)
            issue.first_seen, issue.last_seen = _aware(row.first), _aware(row.last)
            issue.status = "open" if issue.last_seen >= now - CLOSE_AFTER else "closed"
    session.flush()
    return removed


def _aware(value: datetime) -> datetime:
    """SQLite's MIN/MAX hand back the stored text's naive time; it is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def assign_to_open_issues(
    session: Session, posts: Sequence[StoredInbound], thresholds: Thresholds = DEFAULT
) -> int:
    """The live path: add each new post to its brand's most similar open issue when it is at
    least `thresholds.join` alike; the rest stay candidates for the discovery pass. Returns how
    many posts joined an issue."""
    usable = [p for p in posts if says_something(p.text)]
    if not usable:
        return 0
    rows = session.execute(
        select(Issue.id, Issue.brand_id, Issue.centroid).where(
            Issue.brand_id.in_(sorted({p.brand_id for p in usable})), Issue.status == "open"
        )
    ).all()
    ids: dict[int, list[int]] = defaultdict(list)
    centres: dict[int, list[FloatMatrix]] = defaultdict(list)
    for issue_id, brand_id, data in rows:
        vector = unpack(data or b"")
        if vector.size:
            ids[brand_id].append(issue_id)
            centres[brand_id].append(vector)
    usable = [p for p in usable if p.brand_id in ids]
    if not usable:
        return 0
    matrices = {brand: np.stack(vectors) for brand, vectors in centres.items()}
    vectors = post_vectors([p.text for p in usable])
    joined: dict[int, list[int]] = defaultdict(list)
    for row, post in enumerate(usable):
        similarity = matrices[post.brand_id] @ vectors[row]
        best = int(np.argmax(similarity))
        if float(similarity[best]) >= thresholds.join:
            joined[ids[post.brand_id][best]].append(row)
    for issue_id, members in joined.items():
        by_network: dict[str, list[str]] = defaultdict(list)
        for row in members:
            by_network[usable[row].network].append(usable[row].native_id)
        for network, native_ids in by_network.items():
            session.execute(
                update(Post)
                .where(Post.network == network, Post.native_id.in_(native_ids))
                .values(issue_id=issue_id),
                execution_options={"synchronize_session": False},
            )
        issue = session.get(Issue, issue_id)
        if issue is not None:
            _grow(issue, vectors[members], [usable[r].created_at for r in members])
    return sum(len(members) for members in joined.values())


def _grow(issue: Issue, vectors: FloatMatrix, times: list[datetime]) -> None:
    """Fold new posts into an issue's count, seen times and centroid (a running mean)."""
    old = unpack(issue.centroid) * float(issue.post_count)
    issue.centroid = pack(unit(old + vectors.sum(axis=0)))
    issue.post_count += len(times)
    issue.first_seen = min(issue.first_seen, *times)
    issue.last_seen = max(issue.last_seen, *times)


@dataclass(slots=True)
class CandidatePlan:
    """New issues found among a brand's unassigned posts, computed with no transaction open."""

    brand_id: int
    issues: list[PlannedIssue]


def brands_with_candidates(session: Session, *, after_id: int = 0) -> list[int]:
    """Brands that received eligible, still unassigned posts with an id above `after_id`."""
    rows = session.scalars(
        select(Post.brand_id)
        .where(eligible(), Post.issue_id.is_(None), Post.id > after_id)
        .distinct()
        .order_by(Post.brand_id)
    ).all()
    return [int(b) for b in rows if b is not None]


def read_candidates(session: Session, brand_id: int) -> list[PostText]:
    """A brand's newest unassigned eligible posts, within CANDIDATE_WINDOW of the newest."""
    rows = session.execute(
        select(Post.id, Post.text, Post.created_at)
        .where(eligible(), Post.brand_id == brand_id, Post.issue_id.is_(None))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(CANDIDATE_LIMIT)
    ).all()
    if not rows:
        return []
    newest = rows[0].created_at
    return [
        PostText(r.id, r.text, r.created_at)
        for r in rows
        if r.created_at >= newest - CANDIDATE_WINDOW
    ]


def write_discovered(
    session: Session, plan: CandidatePlan, *, now: datetime, min_posts: int = DEFAULT.min_posts
) -> list[int]:
    """Store the new issues of a discovery pass; posts another path assigned meanwhile stay
    where they are (only still unassigned posts join). Returns the new issue ids."""
    made: list[int] = []
    for planned in plan.issues:
        free = [
            pid
            for chunk in chunked(planned.post_ids)
            for pid in session.scalars(
                select(Post.id).where(Post.id.in_(chunk), Post.issue_id.is_(None))
            )
        ]
        if len(free) < min_posts:
            continue
        issue = Issue(
            brand_id=plan.brand_id,
            origin="live",
            status="open",
            label=planned.label,
            terms=planned.terms,
            centroid=planned.centroid,
            first_seen=planned.first_seen,
            last_seen=planned.last_seen,
            post_count=len(free),
            created_at=now,
            updated_at=now,
        )
        session.add(issue)
        session.flush()
        _assign(session, issue.id, free)
        made.append(issue.id)
    if made:
        _recount(session, set(made), now=now)
    return made


def close_quiet(session: Session, *, now: datetime) -> int:
    """Close open issues whose newest post is older than CLOSE_AFTER; returns how many."""
    result = session.execute(
        update(Issue)
        .where(Issue.status == "open", Issue.last_seen < now - CLOSE_AFTER)
        .values(status="closed", updated_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def read_open_issue_texts(session: Session, brand_id: int) -> dict[int, list[str]]:
    """The newest LABEL_SAMPLE posts of each of a brand's open issues, to label them again."""
    out: dict[int, list[str]] = {}
    for issue_id in session.scalars(
        select(Issue.id).where(Issue.brand_id == brand_id, Issue.status == "open")
    ):
        out[issue_id] = list(
            session.scalars(
                select(Post.text)
                .where(Post.issue_id == issue_id)
                .order_by(Post.created_at.desc(), Post.id.desc())
                .limit(LABEL_SAMPLE)
            )
        )
    return out


def relabel(texts: dict[int, list[str]], background: Sequence[str]) -> dict[int, list[str]]:
    """New top terms for open issues from their newest posts (computed with no transaction)."""
    ids = sorted(texts)
    terms = distinctive_terms([texts[i] for i in ids], background)
    return {i: t for i, t in zip(ids, terms, strict=True) if t}


def write_labels(session: Session, labels: dict[int, list[str]], *, now: datetime) -> None:
    """Store new labels of still-open issues."""
    for issue_id, terms in labels.items():
        issue = session.get(Issue, issue_id)
        if issue is not None and issue.status == "open" and issue.terms != terms:
            issue.terms, issue.label, issue.updated_at = terms, label_of(terms), now
