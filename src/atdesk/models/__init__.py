"""SQLAlchemy tables, one module per aggregate; the only place tables live."""

from atdesk.models.activity import AgentActivity
from atdesk.models.agent import AgentProfile
from atdesk.models.api_spend import ApiCallRecord, ApiCharge
from atdesk.models.appointment import Appointment, AppointmentOffer, AppointmentResource
from atdesk.models.audit import AuditEvent
from atdesk.models.automation import (
    AutomatedMessage,
    AutomatedPost,
    AutomationJob,
    AutomationRule,
    RuleRun,
)
from atdesk.models.base import Base
from atdesk.models.block_entry import BlockEntry
from atdesk.models.brand import Brand, ChannelAccount
from atdesk.models.bus import BusMessage
from atdesk.models.callback import Callback
from atdesk.models.case import Case
from atdesk.models.case_facts import CaseFacts
from atdesk.models.case_link import CaseConversation
from atdesk.models.channel_alert import ChannelAlert
from atdesk.models.community_answer import CommunityAnswer
from atdesk.models.connector import ChannelConnection, ConnectorSetting
from atdesk.models.conversation import Conversation, ConversationNode
from atdesk.models.correction import TriageCorrection
from atdesk.models.customer import Author, Customer, CustomerHandle
from atdesk.models.incident import (
    Incident,
    IncidentCase,
    IncidentDelivery,
    IncidentUpdate,
)
from atdesk.models.issue import Issue
from atdesk.models.knowledge import BotDecision, KbArticle
from atdesk.models.login_session import LoginSession
from atdesk.models.macro import Macro
from atdesk.models.note import CaseNote
from atdesk.models.open311 import Open311Report
from atdesk.models.post import Post
from atdesk.models.presence import CaseViewer
from atdesk.models.reply import ReplyDraft
from atdesk.models.report_rollups import (
    ReportCaseDay,
    ReportCaseWeek,
    ReportPostDay,
    ReportPostHour,
    ReportRollupMark,
)
from atdesk.models.saved_view import SavedView
from atdesk.models.sla import BusinessCalendar, Holiday, SlaPolicy
from atdesk.models.spike_alert import SpikeAlert
from atdesk.models.survey import Survey, SurveyCursor, SurveyResponse
from atdesk.models.tag import CaseTag
from atdesk.models.team import Team, TeamBrand, TeamMember
from atdesk.models.triage_model import TriageModel
from atdesk.models.user import ApiToken, User
from atdesk.models.verification import IdentityVerification

__all__ = [
    "AgentActivity",
    "AgentProfile",
    "ApiCallRecord",
    "ApiCharge",
    "ApiToken",
    "Appointment",
    "AppointmentOffer",
    "AppointmentResource",
    "AuditEvent",
    "Author",
    "AutomatedMessage",
    "AutomatedPost",
    "AutomationJob",
    "AutomationRule",
    "Base",
    "BlockEntry",
    "BotDecision",
    "Brand",
    "BusMessage",
    "BusinessCalendar",
    "Callback",
    "Case",
    "CaseConversation",
    "CaseFacts",
    "CaseNote",
    "CaseTag",
    "CaseViewer",
    "ChannelAccount",
    "ChannelAlert",
    "ChannelConnection",
    "CommunityAnswer",
    "ConnectorSetting",
    "Conversation",
    "ConversationNode",
    "Customer",
    "CustomerHandle",
    "Holiday",
    "IdentityVerification",
    "Incident",
    "IncidentCase",
    "IncidentDelivery",
    "IncidentUpdate",
    "Issue",
    "KbArticle",
    "LoginSession",
    "Macro",
    "Open311Report",
    "Post",
    "ReplyDraft",
    "ReportCaseDay",
    "ReportCaseWeek",
    "ReportPostDay",
    "ReportPostHour",
    "ReportRollupMark",
    "RuleRun",
    "SavedView",
    "SlaPolicy",
    "SpikeAlert",
    "Survey",
    "SurveyCursor",
    "SurveyResponse",
    "Team",
    "TeamBrand",
    "TeamMember",
    "TriageCorrection",
    "TriageModel",
    "User",
]
