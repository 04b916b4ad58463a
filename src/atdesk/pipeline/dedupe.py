"""Stage 2: the idempotency key (network, native id) makes a re-delivery change nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.posts import Post
from atdesk.models import Post as PostRow

SQL_CHUNK = 500


def chunked(values: Sequence[str], size: int = SQL_CHUNK) -> Iterable[Sequence[str]]:
    """Split long IN lists so no database hits its bound-parameter limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(slots=True)
class Deduplicated:
    """New posts to store, changes to stored ones, and how many were plain repeats."""

    new: list[Post] = field(default_factory=list)
    changes: list[tuple[PostRow, Post]] = field(default_factory=list)
    repeats: int = 0


def _changes_something(row: PostRow, post: Post) -> bool:
    """An edit or a deletion changes the stored post; a plain re-delivery does not."""
    if post.deleted:
        return row.deleted_at is None
    return post.edited and post.text != row.text


def _fold(first: Post, later: Post) -> Post | None:
    """An edit or deletion arriving in the same batch as its post changes the post to store."""
    if later.deleted and not first.deleted:
        return replace(first, deleted=True)
    if later.edited and later.text != first.text:
        history = [*first.raw.get("edit_history", []), {"text": first.text}]
        return replace(
            first, text=later.text, edited=True, raw={**first.raw, "edit_history": history}
        )
    return None


def deduplicate(session: Session, posts: Sequence[Post]) -> Deduplicated:
    """Split a batch into new posts, edits/deletions of stored posts, and repeats."""
    result = Deduplicated()
    first_seen: dict[tuple[str, str], Post] = {}
    later: list[Post] = []
    for post in posts:
        if post.key in first_seen:
            later.append(post)
        else:
            first_seen[post.key] = post
    by_network: dict[str, list[str]] = defaultdict(list)
    for network, native_id in first_seen:
        by_network[network].append(native_id)
    stored: dict[tuple[str, str], PostRow] = {}
    for network, ids in by_network.items():
        for chunk in chunked(ids):
            rows = session.scalars(
                select(PostRow).where(PostRow.network == network, PostRow.native_id.in_(chunk))
            )
            stored.update({(row.network, row.native_id): row for row in rows})
    fresh: dict[tuple[str, str], int] = {}
    for key, post in first_seen.items():
        row = stored.get(key)
        if row is None:
            fresh[key] = len(result.new)
            result.new.append(post)
        elif _changes_something(row, post):
            result.changes.append((row, post))
        else:
            result.repeats += 1
    for post in later:
        row = stored.get(post.key)
        if post.key in fresh:
            index = fresh[post.key]
            folded = _fold(result.new[index], post)
            if folded is None:
                result.repeats += 1
            else:
                result.new[index] = folded
        elif row is not None and _changes_something(row, post):
            result.changes.append((row, post))
        else:
            result.repeats += 1
    return result
