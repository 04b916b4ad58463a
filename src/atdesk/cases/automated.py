"""Which automation rule sent each automated post or held reply, so the case and the API say so.

Automated messages are sent as the `atdesk-automation` user (ADR 52); the rule is on the
message's `automated_messages` row, joined to the reply through the job that sent it (ADR 74).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from atdesk.models import AutomatedMessage, ReplyDraft

FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class AutomatedBy:
    """The rule an automated message came from (none for a follow-up with no known rule)."""

    rule_id: int | None
    rule_name: str
    follow_up: bool

    @property
    def label(self) -> str:
        """What the thread shows beside the message."""
        if not self.rule_name:
            return "Automated"
        suffix = " (follow-up)" if self.follow_up else ""
        return f"Automated · rule: {self.rule_name}{suffix}"


@dataclass(frozen=True, slots=True)
class CaseAutomation:
    """A case's automated posts (by post id) and replies not sent yet (by reply id)."""

    posts: dict[int, AutomatedBy] = field(default_factory=dict)
    drafts: dict[int, AutomatedBy] = field(default_factory=dict)


def _rows() -> Select[int, int | None, int | None, str, str]:
    return select(
        ReplyDraft.id,
        ReplyDraft.sent_post_id,
        AutomatedMessage.rule_id,
        AutomatedMessage.rule_name,
        AutomatedMessage.kind,
    ).join(AutomatedMessage, AutomatedMessage.job_id == ReplyDraft.job_id)


def case_automation(session: Session, case_id: int) -> CaseAutomation:
    """Every automated message of one case, with its rule."""
    out = CaseAutomation()
    for draft_id, post_id, rule_id, name, kind in session.execute(
        _rows().where(ReplyDraft.case_id == case_id)
    ):
        by = AutomatedBy(rule_id, name, kind == FOLLOW_UP)
        out.drafts[draft_id] = by
        if post_id is not None:
            out.posts[post_id] = by
    return out


def automated_posts(session: Session, post_ids: Iterable[int]) -> dict[int, AutomatedBy]:
    """The rule behind each of these posts that an automation sent (others are left out)."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    return {
        post_id: AutomatedBy(rule_id, name, kind == FOLLOW_UP)
        for _, post_id, rule_id, name, kind in session.execute(
            _rows().where(ReplyDraft.sent_post_id.in_(ids))
        )
        if post_id is not None
    }
