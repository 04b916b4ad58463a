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
    """New posts to store, changes to stored ones, plain repeats, and conflicting repeats.

    A conflict is a post whose key is stored (or came earlier in the batch) with another text
    and that is not an edit: the stored post is kept, and `conflicts` holds the positions of
    such posts in the batch so the caller can say which input lines they were.
    """

    new: list[Post] = field(default_factory=list)
    changes: list[tuple[PostRow, Post]] = field(default_factory=list)
    repeats: int = 0
    conflicts: list[int] = field(default_factory=list)


def _changes_something(row: PostRow, post: Post) -> bool:
    """An edit or a deletion changes the stored post; a plain re-delivery does not."""
    if post.deleted:
        return row.deleted_at is None
    return post.edited and post.text != row.text


def _conflicts(text: str, post: Post) -> bool:
    """Same key, other text, and not an edit: two different posts claim one id."""
    return not post.edited and not post.deleted and post.text != text


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
    first_seen: dict[tuple[str, str], tuple[int, Post]] = {}
    later: list[tuple[int, Post]] = []
    for position, post in enumerate(posts):
        if post.key in first_seen:
            later.append((position, post))
        else:
            first_seen[post.key] = (position, post)
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
    for key, (position, post) in first_seen.items():
        row = stored.get(key)
        if row is None:
            fresh[key] = len(result.new)
            result.new.append(post)
        elif _changes_something(row, post):
            result.changes.append((row, post))
        else:
            _repeat(result, position, _conflicts(row.text, post))
    for position, post in later:
        row = stored.get(post.key)
        if post.key in fresh:
            index = fresh[post.key]
            folded = _fold(result.new[index], post)
            if folded is None:
                _repeat(result, position, _conflicts(result.new[index].text, post))
            else:
                result.new[index] = folded
        elif row is not None and _changes_something(row, post):
            result.changes.append((row, post))
        else:
            _repeat(result, position, row is not None and _conflicts(row.text, post))
    return result


def _repeat(result: Deduplicated, position: int, conflicting: bool) -> None:
    """Count a post that changes nothing: a plain repeat, or a conflict to report."""
    if conflicting:
        result.conflicts.append(position)
    else:
        result.repeats += 1
