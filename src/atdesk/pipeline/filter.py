"""Stage 3: noise is kept and flagged with the reason, never lost and never a case."""

from __future__ import annotations

from atdesk.domain.posts import Post
from atdesk.pipeline.directory import BrandDirectory


def filter_reason(post: Post, brand_id: int | None, directory: BrandDirectory) -> str | None:
    """Why this post must not open or update a case, or None when it is real customer traffic."""
    if post.is_repost:
        return "repost"
    if brand_id is None:
        return None
    blocks = directory.block_lists.get(brand_id)
    return None if blocks is None else blocks.reason(post.author.handle, post.text)
