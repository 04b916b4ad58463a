"""Looking up the conversation that holds a post, for `atdesk thread` and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.networks import Network
from atdesk.models import Post


class PostNotFound(LookupError):
    """No stored post has that id on that network."""


def thread_of(session: Session, network: Network, native_id: str) -> dict[str, Any]:
    """{"conversation_id", "posts": native ids in time order} for the post's conversation."""
    post = session.scalar(
        select(Post).where(Post.network == network.value, Post.native_id == native_id)
    )
    if post is None:
        raise PostNotFound(f"no {network.value} post with id {native_id}")
    rows = session.execute(
        select(Post.native_id)
        .where(Post.conversation_id == post.conversation_id)
        .order_by(Post.created_at, Post.id)
    )
    return {"conversation_id": post.conversation_id, "posts": [r[0] for r in rows]}
