"""Private-message conversations joined to a customer's case, so one case holds both."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from atdesk.models.base import Base


class CaseConversation(Base):
    """An extra conversation (a DM thread) that belongs to a case besides its own."""

    __tablename__ = "case_conversations"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
