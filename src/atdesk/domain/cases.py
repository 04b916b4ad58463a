"""Case lifecycle names shared by routing, the UI and reports."""

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
