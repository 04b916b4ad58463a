"""Automations do not pester: the one check every automated message passes before it is queued.

A rule sends a customer at most one message per case (the public pointer and the private
message it points to, queued by the same firing, are parts of that one message and follow its
decision), and the customer gets at most N automated messages per rolling hour across the
brand's rules (N per brand, default 2). Follow-ups that answer what the customer just did
(their pick of a slot, their answer to a question) are never skipped but do count. A skipped
message is a row and an audit entry on the case, never silently dropped (ADR 74).

The decision is read from and written to `automated_messages` in the transaction that queues
the message's job, under a per-customer lock (PostgreSQL advisory lock; SQLite's write lock),
and the first message of a rule on a case is unique in the database, so two workers deciding
at once cannot both send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.engine.settings import messages_per_hour
from atdesk.models import AutomatedMessage, AutomationRule, Brand, Post, RuleRun

WINDOW = timedelta(hours=1)
QUEUED = "queued"
SKIPPED = "skipped"
RULE = "rule"
FOLLOW_UP = "follow_up"
ALREADY_SENT = "limit: already sent by this rule"
# Rule actions that can message the customer (a message queued later, by a job, belongs to
# the rule that fired on its post with one of these).
MESSAGE_ACTIONS = frozenset(
    {
        "auto_reply",
        "move_to_dm",
        "create_callback",
        "offer_reschedule",
        "file_open311",
        "bot_answer",
    }
)
# pg_advisory_xact_lock(namespace, id): one lock per customer record, or per handle.
_LOCK_CUSTOMER = 740_101
_LOCK_AUTHOR = 740_102


def per_hour_reason(limit: int) -> str:
    """The reason a message over the hourly limit was skipped."""
    return f"limit: {limit} per hour reached"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """The rule a message comes from, as the case will show it."""

    id: int
    name: str


def decide(
    session: Session,
    *,
    post: Post,
    case_id: int,
    brand_id: int,
    purpose: str,
    now: datetime,
    rule: RuleRef | None = None,
    follow_up_of: int | None = None,
) -> AutomatedMessage:
    """Queue or skip one automated message to `post`'s author; the row says which and why.

    `rule` is the rule firing on `post`; without one the message either finishes the firing
    on `post` (a job's later message) or, with `follow_up_of` (the post that started the
    exchange), answers the customer's latest post.
    """
    author = post.author
    _serialize(session, author_id=author.id, customer_id=author.customer_id)
    row = AutomatedMessage(
        brand_id=brand_id,
        case_id=case_id,
        author_id=author.id,
        customer_id=author.customer_id,
        post_id=post.id,
        purpose=purpose[:64],
        decided_at=now,
        reason="",
    )
    if rule is None and follow_up_of is None:
        rule = _rule_that_fired(session, case_id=case_id, post_id=post.id)
    if rule is None:
        origin = _rule_that_fired(session, case_id=case_id, post_id=follow_up_of or post.id)
        _fill(row, origin, kind=FOLLOW_UP, part=1, status=QUEUED)
        return _add(session, row)
    # The rule's messages on this case, in one read: the parts of this firing, and whether
    # an earlier firing's first message went out.
    sent = session.execute(
        select(
            AutomatedMessage.post_id,
            AutomatedMessage.part,
            AutomatedMessage.status,
            AutomatedMessage.reason,
        ).where(
            AutomatedMessage.kind == RULE,
            AutomatedMessage.case_id == case_id,
            AutomatedMessage.rule_id == rule.id,
        )
    ).all()
    parts = [message for message in sent if message.post_id == post.id]
    if parts:  # a later part of this firing: it goes (or not) with the first
        latest = max(parts, key=lambda message: message.part)
        _fill(
            row, rule, kind=RULE, part=latest.part + 1, status=latest.status, reason=latest.reason
        )
        return _add(session, row)
    _fill(row, rule, kind=RULE, part=1, status=QUEUED)
    first_went = any(message.part == 1 and message.status == QUEUED for message in sent)
    row.status, row.reason = _limits(session, row, brand_id=brand_id, now=now, sent=first_went)
    if row.status == QUEUED and _may_race(session):
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another worker's first message of this rule won the race
            row = _copy_skipped(row, ALREADY_SENT)
    return _add(session, row)


def _may_race(session: Session) -> bool:
    """Whether another transaction can be deciding the same rule's first message on the case
    now. Not on SQLite: `_serialize` took its one write lock before `sent` was read."""
    return session.get_bind().dialect.name != "sqlite"


def _fill(
    row: AutomatedMessage,
    rule: RuleRef | None,
    *,
    kind: str,
    part: int,
    status: str,
    reason: str = "",
) -> None:
    row.rule_id = rule.id if rule else None
    row.rule_name = (rule.name if rule else "")[:120]
    row.kind, row.part, row.status, row.reason = kind, part, status, reason


def _limits(
    session: Session, row: AutomatedMessage, *, brand_id: int, now: datetime, sent: bool
) -> tuple[str, str]:
    """The two limits for a rule's first message on a case (`sent`: the rule's first message
    already went out on it): (status, reason)."""
    if sent:
        return SKIPPED, ALREADY_SENT
    brand = session.get(Brand, brand_id)
    limit = messages_per_hour(brand.settings if brand else None)
    if sent_within_hour(session, row, brand_id=brand_id, now=now) >= limit:
        return SKIPPED, per_hour_reason(limit)
    return QUEUED, ""


def sent_within_hour(
    session: Session, row: AutomatedMessage, *, brand_id: int, now: datetime
) -> int:
    """Automated messages queued for this customer (any of their handles) in the last hour."""
    whom = AutomatedMessage.author_id == row.author_id
    if row.customer_id is not None:
        whom = or_(whom, AutomatedMessage.customer_id == row.customer_id)
    return int(
        session.scalar(
            select(func.count())
            .select_from(AutomatedMessage)
            .where(
                whom,
                AutomatedMessage.brand_id == brand_id,
                AutomatedMessage.status == QUEUED,
                AutomatedMessage.decided_at > now - WINDOW,
            )
        )
        or 0
    )


def _copy_skipped(row: AutomatedMessage, reason: str) -> AutomatedMessage:
    """A fresh row for a message the unique index refused (the refused one was rolled back)."""
    return AutomatedMessage(
        brand_id=row.brand_id,
        case_id=row.case_id,
        author_id=row.author_id,
        customer_id=row.customer_id,
        rule_id=row.rule_id,
        rule_name=row.rule_name,
        post_id=row.post_id,
        purpose=row.purpose,
        kind=row.kind,
        part=row.part,
        status=SKIPPED,
        reason=reason,
        decided_at=row.decided_at,
    )


def _add(session: Session, row: AutomatedMessage) -> AutomatedMessage:
    """Store the decision; a skipped message gets its audit entry on the case."""
    session.add(row)
    session.flush()
    if row.status == SKIPPED:
        audit.record(
            session,
            entity_type="case",
            entity_id=row.case_id,
            action="automation.message_skipped",
            actor=f"automation:{row.rule_name}"[:80] if row.rule_name else "automation",
            after={
                "rule": row.rule_name or None,
                "reason": row.reason,
                "message": row.purpose,
                "post_id": row.post_id,
            },
        )
    return row


def _rule_that_fired(session: Session, *, case_id: int, post_id: int) -> RuleRef | None:
    """The rule whose firing on this post a later message belongs to: the one that already
    messaged about it, else the last rule run on it whose actions can send a message."""
    sent = session.execute(
        select(AutomatedMessage.rule_id, AutomatedMessage.rule_name)
        .where(
            AutomatedMessage.kind == RULE,
            AutomatedMessage.case_id == case_id,
            AutomatedMessage.post_id == post_id,
            AutomatedMessage.rule_id.is_not(None),
        )
        .order_by(AutomatedMessage.id.desc())
        .limit(1)
    ).first()
    if sent is not None and sent.rule_id is not None:
        return RuleRef(sent.rule_id, sent.rule_name)
    runs = session.execute(
        select(AutomationRule.id, AutomationRule.name, AutomationRule.actions)
        .join(RuleRun, RuleRun.rule_id == AutomationRule.id)
        .where(RuleRun.post_id == post_id)
        .order_by(RuleRun.id.desc())
    )
    for rule_id, name, actions in runs:
        if any(isinstance(a, dict) and a.get("type") in MESSAGE_ACTIONS for a in actions or []):
            return RuleRef(rule_id, name)
    return None


def _serialize(session: Session, *, author_id: int, customer_id: int | None) -> None:
    """One decision at a time per customer: the count read here must not change under us."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        namespace, key = (
            (_LOCK_CUSTOMER, customer_id) if customer_id is not None else (_LOCK_AUTHOR, author_id)
        )
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": namespace, "key": key},
        )
    elif dialect == "sqlite" and not _writing(session):
        # take the database's write lock before reading the count
        session.execute(update(AutomatedMessage).where(AutomatedMessage.id == -1).values(part=1))


def _writing(session: Session) -> bool:
    """Whether this SQLite transaction already holds the write lock: Python's sqlite3 opens a
    transaction only before its first write, so an open one has written (ADR 104)."""
    raw = session.connection().connection.dbapi_connection
    return bool(getattr(raw, "in_transaction", False))
