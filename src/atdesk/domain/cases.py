"""Case lifecycle names shared by routing, the UI and reports."""

from datetime import datetime, timedelta
from enum import StrEnum


class CaseStatus(StrEnum):
    """new -> open -> pending -> resolved; a customer writing again reopens."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"


class Role(StrEnum):
    """What a user may do: agents answer, supervisors approve, admins configure."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# How long before its deadline a case shows the SLA warning badge.
WARN_BEFORE = timedelta(minutes=30)


def sla_state(due: datetime | None, now: datetime) -> str:
    """'breached', 'warning' or 'ok' (or '' without a running clock), for the inbox badge."""
    if due is None:
        return ""
    if due <= now:
        return "breached"
    if due - now <= WARN_BEFORE:
        return "warning"
    return "ok"


class View(StrEnum):
    """The inbox's built-in views; each is a set of open cases (saved views add filters)."""

    MINE = "mine"
    UNASSIGNED = "unassigned"
    TEAM = "team"
    ESCALATED = "escalated"
    HIGH_RISK = "high_risk"
    BREACHING = "breaching"
    ALL = "all"
    NEEDS_REVIEW = "needs_review"
    HISTORY = "history"
