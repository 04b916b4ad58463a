"""Approvals: on sensitive or high-risk cases an agent's public reply waits for a supervisor's
yes or no."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import restrict
from atdesk.audit import service as audit
from atdesk.domain.cases import Role
from atdesk.domain.errors import AppError
from atdesk.models import Case, ReplyDraft, User
from atdesk.models.base import utcnow

PENDING = "pending"
REVIEWERS = (Role.SUPERVISOR.value, Role.ADMIN.value)
HOLD_REASON_CHARS = 200


class ApprovalError(AppError):
    """An approval step that cannot be taken, with the reason."""


def needs_approval(case: Case, mode: str, author: User) -> bool:
    """Public replies on sensitive or high-risk cases by agents wait; supervisors and admins
    are the check."""
    return mode == "public" and (case.sensitive or case.risk_high) and author.role not in REVIEWERS


def hold_reasons(case: Case) -> str:
    """Why a reply waits, as the approvals queue and the case show it: sensitivity's reasons,
    then the risk score and its reasons (ADR 89)."""
    reasons = list(case.sensitive_reasons or [])
    if case.risk_high:
        why = ", ".join(str(r.get("reason", "")) for r in case.risk_reasons or [])
        reasons.append(f"high risk {case.risk_score}/100" + (f" ({why})" if why else ""))
    text = "; ".join(reasons) or "sensitive case"
    # The column holds 200 characters; the case page shows every reason in full.
    return text if len(text) <= HOLD_REASON_CHARS else text[: HOLD_REASON_CHARS - 1] + "…"


def queue(session: Session, brand_ids: frozenset[int] | None) -> Sequence[ReplyDraft]:
    """Replies waiting for approval in the reviewer's brands, oldest first."""
    query = (
        select(ReplyDraft)
        .join(Case, Case.id == ReplyDraft.case_id)
        .where(ReplyDraft.status == PENDING)
        .order_by(ReplyDraft.created_at, ReplyDraft.id)
    )
    return session.scalars(restrict(query, brand_ids)).all()


def pending_count(session: Session, brand_ids: frozenset[int] | None) -> int:
    """How many replies wait, for the navigation badge."""
    return len(queue(session, brand_ids))


def check_reviewer(draft: ReplyDraft, reviewer: User) -> None:
    """Only supervisors and admins decide, and only on replies still waiting."""
    if reviewer.role not in REVIEWERS:
        raise ApprovalError("only supervisors and admins can approve or reject replies")
    if draft.status != PENDING:
        raise ApprovalError(f"this reply was already {draft.status}")


def reject(session: Session, draft: ReplyDraft, reviewer: User, note: str) -> None:
    """Send the reply back to its author with a note saying what to change."""
    check_reviewer(draft, reviewer)
    note = note.strip()
    if not note:
        raise ApprovalError("say why, so the agent knows what to change")
    draft.status = "rejected"
    draft.reviewer_user_id = reviewer.id
    draft.review_note = note
    draft.decided_at = utcnow()
    audit.record(
        session,
        entity_type="case",
        entity_id=draft.case_id,
        action="reply.rejected",
        actor=reviewer,
        before={"draft_id": draft.id, "status": PENDING},
        after={"draft_id": draft.id, "status": "rejected", "note": note},
    )
    session.flush()
