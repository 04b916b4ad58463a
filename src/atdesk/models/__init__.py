"""SQLAlchemy tables, one module per aggregate; the only place tables live."""

from atdesk.models.agent import AgentProfile
from atdesk.models.audit import AuditEvent
from atdesk.models.base import Base
from atdesk.models.brand import Brand, ChannelAccount
from atdesk.models.bus import BusMessage
from atdesk.models.case import Case
from atdesk.models.case_link import CaseConversation
from atdesk.models.conversation import Conversation, ConversationNode
from atdesk.models.correction import TriageCorrection
from atdesk.models.customer import Author, Customer, CustomerHandle
from atdesk.models.macro import Macro
from atdesk.models.note import CaseNote
from atdesk.models.post import Post
from atdesk.models.presence import CaseViewer
from atdesk.models.reply import ReplyDraft
from atdesk.models.sla import BusinessCalendar, Holiday, SlaPolicy
from atdesk.models.tag import CaseTag
from atdesk.models.team import Team, TeamBrand, TeamMember
from atdesk.models.user import ApiToken, User

__all__ = [
    "AgentProfile",
    "ApiToken",
    "AuditEvent",
    "Author",
    "Base",
    "Brand",
    "BusMessage",
    "BusinessCalendar",
    "Case",
    "CaseConversation",
    "CaseNote",
    "CaseTag",
    "CaseViewer",
    "ChannelAccount",
    "Conversation",
    "ConversationNode",
    "Customer",
    "CustomerHandle",
    "Holiday",
    "Macro",
    "Post",
    "ReplyDraft",
    "SlaPolicy",
    "Team",
    "TeamBrand",
    "TeamMember",
    "TriageCorrection",
    "User",
]
