"""What people do to cases: assign, tag, escalate, note, correct triage; every change audited."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import can_work_on
from atdesk.audit import service as audit
from atdesk.cases.sensitivity import MANUAL_PREFIX
from atdesk.cases.service import recompute_clocks, resolve, snapshot, sync_cases
from atdesk.domain.cases import CaseStatus
from atdesk.domain.errors import AppError
from atdesk.domain.triage import Intent, Priority, Sentiment
from atdesk.models import Case, CaseNote, CaseTag, Post, TriageCorrection, User
from atdesk.models.base import utcnow

_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
CORRECTABLE = ("intent", "sentiment", "priority", "language")


class ActionError(AppError):
    """A case action that cannot be done as asked, with what to do instead."""


def _audit(
    session: Session, case: Case, action: str, actor: User | str, before: dict[str, Any]
) -> None:
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action=action,
        actor=actor,
        before=before,
        after=snapshot(case),
    )


def assign(
    session: Session,
    case: Case,
    assignee: User | None,
    *,
    actor: User | str,
    now: datetime | None = None,
) -> bool:
    """Give the case to someone (or to nobody); returns False when nothing changed."""
    new_id = assignee.id if assignee else None
    if case.assignee_id == new_id:
        return False
    if assignee is not None and not assignee.active:
        raise ActionError(f"{assignee.username} is deactivated; pick an active teammate")
    if assignee is not None and not can_work_on(session, assignee, case.brand_id):
        raise ActionError(
            f"{assignee.display_name or assignee.username} is not in a team for "
            f"{case.brand.name}; an admin can add them to one"
        )
    before = snapshot(case)
    case.assignee_id = new_id
    case.assigned_at = (now or utcnow()) if assignee else None
    _audit(session, case, "case.assigned" if assignee else "case.unassigned", actor, before)
    session.flush()
    return True


def normalise_tags(raw: Iterable[str]) -> list[str]:
    """Lower-case tags without '#' or spaces; bad ones are refused with the rule."""
    tags: list[str] = []
    for item in raw:
        for part in re.split(r"[,\s]+", item):
            tag = part.strip().lstrip("#").lower()
            if not tag:
                continue
            if not _TAG.match(tag):
                raise ActionError(
                    f"tag {part!r}: use letters, digits, '-' or '_' (at most 64 characters)"
                )
            if tag not in tags:
                tags.append(tag)
    return tags


def case_tags(session: Session, case_id: int) -> list[str]:
    """The tags on one case, sorted."""
    return sorted(session.scalars(select(CaseTag.name).where(CaseTag.case_id == case_id)))


def add_tags(session: Session, case: Case, tags: Iterable[str], *, actor: User | str) -> list[str]:
    """Tag a case; returns the tags that were new."""
    current = case_tags(session, case.id)
    new = [t for t in normalise_tags(tags) if t not in current]
    if not new:
        return []
    session.add_all(CaseTag(case_id=case.id, name=t) for t in new)
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="case.tagged",
        actor=actor,
        before={"tags": current},
        after={"tags": sorted([*current, *new])},
    )
    session.flush()
    return new


def remove_tag(session: Session, case: Case, tag: str, *, actor: User | str) -> bool:
    """Take one tag off a case."""
    current = case_tags(session, case.id)
    if tag not in current:
        return False
    session.execute(delete(CaseTag).where(CaseTag.case_id == case.id, CaseTag.name == tag))
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="case.untagged",
        actor=actor,
        before={"tags": current},
        after={"tags": [t for t in current if t != tag]},
    )
    session.flush()
    return True


def resolve_case(session: Session, case: Case, *, actor: User | str) -> bool:
    """Resolve now; its clocks stop."""
    if case.status == CaseStatus.RESOLVED.value:
        return False
    resolve(session, case, actor=actor)
    recompute_clocks(session, [case])
    session.flush()
    return True


def reopen(session: Session, case: Case, *, actor: User | str) -> bool:
    """Open a resolved case again by hand; its clocks run again."""
    if case.status != CaseStatus.RESOLVED.value:
        return False
    before = snapshot(case)
    case.status = CaseStatus.OPEN.value
    case.resolved_at = None
    case.resolution_seconds = None
    case.resolved_by = None
    case.reopen_count = (case.reopen_count or 0) + 1
    recompute_clocks(session, [case])
    _audit(session, case, "case.reopened", actor, before)
    session.flush()
    return True


def set_priority(session: Session, case: Case, priority: Priority, *, actor: User | str) -> bool:
    """Set the priority by hand; the pipeline will not change it back, and the clocks follow."""
    if case.priority == priority.value and case.priority_manual:
        return False
    before = snapshot(case)
    case.priority = priority.value
    case.priority_rank = priority.rank
    case.priority_manual = True
    recompute_clocks(session, [case])
    _audit(session, case, "case.priority", actor, before)
    session.flush()
    return True


def set_escalated(session: Session, case: Case, escalated: bool, *, actor: User | str) -> bool:
    """Escalate to supervisors (or take the escalation back)."""
    if case.escalated == escalated:
        return False
    before = snapshot(case)
    case.escalated = escalated
    _audit(session, case, "case.escalated" if escalated else "case.deescalated", actor, before)
    session.flush()
    return True


def set_sensitive(session: Session, case: Case, sensitive: bool, *, actor: User) -> bool:
    """Mark a case sensitive by hand (public replies then need approval), or clear the mark."""
    reasons = list(case.sensitive_reasons or [])
    manual = f"{MANUAL_PREFIX}{actor.username}"
    if sensitive:
        if case.sensitive and manual in reasons:
            return False
        reasons.append(manual)
    else:
        if not case.sensitive:
            return False
        reasons = []
    before = snapshot(case)
    case.sensitive_reasons = reasons
    case.sensitive = bool(reasons)
    _audit(session, case, "case.sensitive" if sensitive else "case.not_sensitive", actor, before)
    session.flush()
    return True


def add_note(session: Session, case: Case, body: str, *, author: User) -> CaseNote:
    """An internal note, seen only by the team."""
    body = body.strip()
    if not body:
        raise ActionError("a note needs some text")
    note = CaseNote(case_id=case.id, author_user_id=author.id, body=body)
    session.add(note)
    session.flush()
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="case.note",
        actor=author,
        after={"note_id": note.id, "note": body[:200]},
    )
    return note


def _check_label(field: str, value: str) -> str:
    allowed: dict[str, list[str]] = {
        "intent": [i.value for i in Intent],
        "sentiment": [s.value for s in Sentiment],
        "priority": [p.value for p in Priority],
    }
    value = value.strip().lower()
    if field not in CORRECTABLE:
        raise ActionError(f"{field!r} cannot be corrected; use one of {', '.join(CORRECTABLE)}")
    if field == "language":
        if not re.fullmatch(r"[a-z]{2}", value):
            raise ActionError("language must be a two-letter ISO 639-1 code like 'en' or 'es'")
        return value
    if value not in allowed[field]:
        raise ActionError(f"{field} must be one of {', '.join(allowed[field])}")
    return value


CORRECTED = 1.0


def correct_triage(
    session: Session, post: Post, field: str, value: str, *, user: User
) -> TriageCorrection | None:
    """Fix one triage label of an inbound post; the correction is kept as training data.

    The case follows the post (intent, sentiment, language, priority are derived from posts),
    except a priority set by hand on the case, which stays.
    """
    value = _check_label(field, value)
    if not post.inbound:
        raise ActionError("only customers' posts carry triage labels")
    old = getattr(post, field)
    if old == value:
        return None
    correction = TriageCorrection(
        post_id=post.id,
        case_id=post.case_id,
        field=field,
        before=old,
        after=value,
        text=post.text,
        user_id=user.id,
    )
    session.add(correction)
    setattr(post, field, value)
    if field == "intent":
        post.intent_confidence = CORRECTED  # a person said so: out of Needs review, too
    session.flush()
    if post.case_id is not None:
        case = session.get(Case, post.case_id)
        if case is not None:
            audit.record(
                session,
                entity_type="case",
                entity_id=case.id,
                action="triage.corrected",
                actor=user,
                before={field: old, "post_id": post.id},
                after={field: value, "post_id": post.id},
            )
            sync_cases(session, [case.conversation_id])
    return correction
