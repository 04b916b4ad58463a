"""SQLAlchemy tables, one module per aggregate; the only place tables live."""

from atdesk.models.audit import AuditEvent
from atdesk.models.base import Base
from atdesk.models.brand import Brand, ChannelAccount
from atdesk.models.bus import BusMessage
from atdesk.models.case import Case
from atdesk.models.conversation import Conversation, ConversationNode
from atdesk.models.customer import Author, Customer
from atdesk.models.post import Post
from atdesk.models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Author",
    "Base",
    "Brand",
    "BusMessage",
    "Case",
    "ChannelAccount",
    "Conversation",
    "ConversationNode",
    "Customer",
    "Post",
    "User",
]
