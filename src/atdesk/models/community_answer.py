"""Community answers: another customer's reply recognised as answering a case's question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atdesk.models.base import Base, JSONType, UTCDateTime, utcnow
from atdesk.models.customer import Author
from atdesk.models.post import Post


class CommunityAnswer(Base):
    """One recognised peer answer (cases/community.py); its author is the brand's advocate."""

    __tablename__ = "community_answers"
    __table_args__ = (Index("ix_community_answers_brand_author", "brand_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    question_post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    thanked: Mapped[bool] = mapped_column(Boolean, default=False)
    recognised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Author] = relationship(lazy="joined")
    post: Mapped[Post] = relationship(lazy="joined", foreign_keys=[post_id])
