"""Reading emerging issues for pages, the API and other insights (incidents, spikes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import may_see_brand
from atdesk.models import Issue, Post

# Statuses a viewer sees; "candidate" groups are still gathering posts and stay hidden.
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
    """The issue as it stands now, or None when it is missing, still a candidate, or belongs to
    a brand outside `brand_ids` (None: every brand)."""
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
