"""Reads for the block-list admin page and the review list of filtered posts (ADR 90)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.models import BlockEntry, Brand, Post
from atdesk.noise.schemas import FilteredPostOut

# The review list's reason filter: what each choice asks of a post. `abuse` posts are not
# filtered (they are in cases), they are listed so a supervisor sees them in one place.
REASONS: dict[str, str] = {
    "blocked_user": "Blocked user",
    "blocked_keyword": "Blocked keyword",
    "blocked_regex": "Blocked pattern",
    "spam": "Spam",
    "repost": "Repost",
    "rule": "Hidden by a rule",
    "abuse": "Abuse (flagged, in a case)",
}


def block_entries(session: Session, brand_id: int) -> Sequence[BlockEntry]:
    """A brand's entries by kind, then value."""
    return session.scalars(
        select(BlockEntry)
        .where(BlockEntry.brand_id == brand_id)
        .order_by(BlockEntry.kind, BlockEntry.value)
    ).all()


def _reason_condition(reason: str) -> ColumnElement[bool]:
    if reason == "abuse":
        return Post.abuse.is_(True)
    if reason in ("blocked_keyword", "blocked_regex", "rule"):
        return Post.filtered_reason.startswith(f"{reason}:", autoescape=True)
    if reason in REASONS:
        return Post.filtered_reason == reason
    return or_(Post.filtered_reason.is_not(None), Post.abuse.is_(True))


def review_query(
    brand_ids: frozenset[int] | None, *, reason: str = "", brand_id: int | None = None
) -> Select[Post]:
    """Customer posts the filter kept out of cases, and abuse-flagged ones, of the viewer's
    brands (one brand if asked), newest first; `reason` one of REASONS or "" for all."""
    query = select(Post).where(Post.inbound.is_(True), _reason_condition(reason))
    if brand_id is not None:
        query = query.where(Post.brand_id == brand_id)
    query = restrict(query, brand_ids, Post.brand_id)
    return query.order_by(Post.created_at.desc(), Post.id.desc())


def review_page(
    session: Session,
    brand_ids: frozenset[int] | None,
    *,
    reason: str = "",
    brand_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Post], int]:
    """One page of the review list and how many posts it holds in all."""
    query = review_query(brand_ids, reason=reason, brand_id=brand_id)
    rows = session.scalars(query.limit(limit).offset(offset)).all()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return rows, int(total or 0)


def brand_names(session: Session, brand_ids: Sequence[int]) -> dict[int, str]:
    """Brand names by id, for the rows of a page."""
    if not brand_ids:
        return {}
    return dict(
        session.execute(select(Brand.id, Brand.name).where(Brand.id.in_(sorted(brand_ids)))).all()
    )


def reason_of(post: Post) -> str:
    """The reason a post is in the review list: its filter reason, else `abuse`."""
    return post.filtered_reason or ("abuse" if post.abuse else "")


def filtered_out(post: Post, names: dict[int, str]) -> FilteredPostOut:
    """The API view of a post in the review list."""
    return FilteredPostOut(
        id=post.id,
        brand_id=post.brand_id,
        brand=names.get(post.brand_id) if post.brand_id else None,
        network=post.network,
        native_id=post.native_id,
        author_handle=post.author.handle,
        text=post.text,
        created_at=post.created_at,
        reason=reason_of(post),
        filtered_reason=post.filtered_reason,
        spam=post.spam,
        abuse=post.abuse,
        case_id=post.case_id,
        restorable=post.filtered_reason is not None and post.brand_id is not None,
    )
