"""Stage 3: noise is kept and flagged with the reason, never lost and never a case."""

from __future__ import annotations

from atdesk.domain.handles import handle_key
from atdesk.domain.posts import Post
from atdesk.pipeline.directory import BrandDirectory


def filter_reason(post: Post, brand_id: int | None, directory: BrandDirectory) -> str | None:
    """Why this post must not open or update a case, or None when it is real customer traffic."""
    if post.is_repost:
        return "repost"
    if brand_id is None:
        return None
    if handle_key(post.author.handle) in directory.blocked_handles.get(brand_id, frozenset()):
        return "blocked_user"
    text = post.text.lower()
    for keyword in directory.blocked_keywords.get(brand_id, ()):
        if keyword in text:
            return f"blocked_keyword:{keyword}"
    return None
