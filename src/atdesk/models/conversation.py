"""Conversations and the reply graph they are rebuilt from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base, UTCDateTime, utcnow


class Conversation(Base):
    """A connected component of the reply graph (or one private-message thread)."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(16))
    direct: Mapped[bool] = mapped_column(Boolean, default=False)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationNode(Base):
    """A post id (seen or only referenced) and the conversation its reply-graph component is in.

    Every post adds itself, its parent and its replies as nodes; when one post links nodes of two
    conversations, they merge. That rebuilds the graph's connected components exactly, whatever
    the order in which replies and parents arrive.
    """

    __tablename__ = "conversation_nodes"

    network: Mapped[str] = mapped_column(String(16), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
