"""Erasing a customer: everything that names them or that they wrote leaves the database in one
transaction, with an audit row that says an erasure happened and by whom (ADR 101).

Their posts and cases are anonymised in place (text, media, place, network ids and author
gone; times, statuses and counts kept for reports); their notes, appointments, identity
checks, handles, author rows and the customer record itself are deleted; callbacks, surveys
and survey answers keep their outcome and score but lose their text and their link to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.audit import service as audit
from atdesk.customers.access import visible_customer
from atdesk.domain.cases import Role
from atdesk.domain.errors import AppError
from atdesk.lifecycle import scrub
from atdesk.models import (
    Appointment,
    AuditEvent,
    Author,
    AutomatedMessage,
    BusMessage,
    Callback,
    Case,
    CaseNote,
    CommunityAnswer,
    Customer,
    CustomerHandle,
    IdentityVerification,
    Post,
    Survey,
    SurveyResponse,
    User,
)

MARKER = "[erased at the customer's request]"
ACTION = "customer.erased"
CHUNK = 500


class EraseForbidden(AppError):
    """The viewer may not erase this customer (their role, or brands outside their teams)."""

    status = 403


class AlreadyErased(AppError):
    """The customer was erased before: nothing of theirs is left (410)."""

    status = 410


@dataclass(frozen=True, slots=True)
class Erasure:
    """What one erasure removed, by kind (the counts only: the data itself is gone)."""

    customer_id: int
    brand_ids: tuple[int, ...]
    removed: dict[str, int]


def may_erase(user: User) -> bool:
    """Supervisors and admins erase; an agent asks one of them (it cannot be undone)."""
    return user.role in (Role.SUPERVISOR.value, Role.ADMIN.value)


def previous_erasure(session: Session, customer_id: int) -> AuditEvent | None:
    """The audit row of an earlier erasure of this id, if any."""
    return session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "customer",
            AuditEvent.entity_id == customer_id,
            AuditEvent.action == ACTION,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def _ids(session: Session, query: Any) -> list[int]:
    return sorted(set(session.scalars(query)))


def customer_brand_ids(session: Session, customer_id: int, author_ids: list[int]) -> set[int]:
    """Every brand that holds something of this customer's: cases, posts, callbacks,
    appointments, surveys."""
    by_author = Case.customer_author_id.in_(author_ids or [-1])
    brands: set[int] = set(
        session.scalars(
            select(Case.brand_id).where(or_(Case.customer_id == customer_id, by_author))
        )
    )
    brands |= {
        b
        for b in session.scalars(
            select(Post.brand_id).where(Post.author_id.in_(author_ids or [-1])).distinct()
        )
        if b is not None
    }
    for model in (Callback, Appointment, Survey):
        brands |= set(
            session.scalars(select(model.brand_id).where(model.customer_id == customer_id))
        )
    return brands


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _count(session: Session, model: Any, where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def erase_customer(
    session: Session,
    *,
    customer_id: int,
    actor: User | str,
    brand_ids: frozenset[int] | None,
    now: datetime,
) -> Erasure:
    """Erase one customer the viewer may see (brand_ids None: every brand, the CLI or an
    admin). Raises NotVisible (404) for a customer of other brands, AlreadyErased (410) for
    one erased before, EraseForbidden (403) when their data reaches brands outside the
    viewer's teams."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        _refuse_missing(session, customer_id, brand_ids)
    if brand_ids is not None:
        visible_customer(session, brand_ids, customer_id)
    author_ids = _ids(session, select(Author.id).where(Author.customer_id == customer_id))
    brands = customer_brand_ids(session, customer_id, author_ids)
    if brand_ids is not None and brands - brand_ids:
        raise EraseForbidden(
            f"customer {customer_id} also wrote to brands outside your teams; "
            "ask an admin to erase them"
        )
    mine = author_ids or [-1]
    case_ids = _ids(
        session,
        select(Case.id).where(
            or_(Case.customer_id == customer_id, Case.customer_author_id.in_(mine))
        ),
    )
    post_ids = set(scrub.case_post_ids(session, case_ids))
    post_ids |= set(session.scalars(select(Post.id).where(Post.author_id.in_(mine))))
    callbacks = or_(Callback.customer_id == customer_id, Callback.author_id.in_(mine))
    surveys = or_(Survey.customer_id == customer_id, Survey.author_id.in_(mine))
    answers = or_(SurveyResponse.customer_id == customer_id, SurveyResponse.author_id.in_(mine))
    removed = {
        "cases": len(case_ids),
        "posts": len(post_ids),
        "notes": _count(session, CaseNote, CaseNote.case_id.in_(case_ids or [-1])),
        "callbacks": _count(session, Callback, callbacks),
        "appointments": _count(session, Appointment, Appointment.customer_id == customer_id),
        "surveys": _count(session, Survey, surveys),
        "survey_answers": _count(session, SurveyResponse, answers),
        "handles": _count(session, CustomerHandle, CustomerHandle.customer_id == customer_id),
        "authors": len(author_ids),
    }
    callback_ids = _ids(session, select(Callback.id).where(callbacks))
    appointment_ids = _ids(
        session, select(Appointment.id).where(Appointment.customer_id == customer_id)
    )
    for chunk in _chunks(case_ids):
        scrub.anonymise_cases(session, chunk, now=now, marker=MARKER)
    for chunk in _chunks(sorted(post_ids)):
        scrub.anonymise_posts(session, chunk, now=now, marker=MARKER)
    removed["transport_messages"] = _forget_transport(session, author_ids)
    _unlink_authors(session, author_ids)
    _update(
        session,
        Callback,
        callbacks,
        reason="",
        notes="",
        window_phrase="",
        customer_id=None,
        author_id=None,
    )
    _update(session, Survey, Survey.customer_id == customer_id, text="", customer_id=None)
    _update(
        session,
        SurveyResponse,
        SurveyResponse.customer_id == customer_id,
        comment="",
        customer_id=None,
    )
    _update(
        session, AutomatedMessage, AutomatedMessage.customer_id == customer_id, customer_id=None
    )
    session.execute(delete(Appointment).where(Appointment.customer_id == customer_id))
    session.execute(
        delete(IdentityVerification).where(IdentityVerification.customer_id == customer_id)
    )
    session.execute(delete(CustomerHandle).where(CustomerHandle.customer_id == customer_id))
    if author_ids:
        session.execute(delete(Author).where(Author.id.in_(author_ids)))
    session.execute(delete(Customer).where(Customer.id == customer_id))
    _blank_audit(session, "customer", [customer_id])
    _blank_audit(session, "callback", callback_ids)
    _blank_audit(session, "appointment", appointment_ids)
    event = audit.record(
        session,
        entity_type="customer",
        entity_id=customer_id,
        action=ACTION,
        actor=actor,
        after={"brands": sorted(brands), "removed": removed},
    )
    event.at = now
    session.flush()
    return Erasure(customer_id=customer_id, brand_ids=tuple(sorted(brands)), removed=removed)


def _refuse_missing(session: Session, customer_id: int, brand_ids: frozenset[int] | None) -> None:
    """No such customer: 410 when the viewer may know it was erased, else 404."""
    earlier = previous_erasure(session, customer_id)
    if earlier is not None:
        brands = set(earlier.after.get("brands") or [])
        if brand_ids is None or not brands or brands & brand_ids:
            raise AlreadyErased(
                f"customer {customer_id} was already erased on {earlier.at:%Y-%m-%d %H:%M} UTC "
                f"by {earlier.actor}; nothing of theirs is left"
            )
    raise NotVisible(f"no customer {customer_id} in your brands")


def _forget_transport(session: Session, author_ids: list[int]) -> int:
    """Handled messages of the embedded bus keep the raw event each post was made from: delete
    the ones that name one of the person's network ids or handles (a stray match only drops a
    message that was already handled). Pending ones are left to be processed."""
    needles: set[str] = set()
    for native_id, handle in session.execute(
        select(Author.native_id, Author.handle).where(Author.id.in_(author_ids or [-1]))
    ):
        needles |= {json.dumps(str(v)) for v in (native_id, handle) if v}
    if not needles:
        return 0
    text = cast(BusMessage.payload, Text)
    result = session.execute(
        delete(BusMessage)
        .where(
            BusMessage.done_at.is_not(None),
            or_(*(text.contains(needle, autoescape=True) for needle in sorted(needles))),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _unlink_authors(session: Session, author_ids: list[int]) -> None:
    """Point every row that still names one of their author rows at the network's anonymous
    stand-in, so the author rows (handle, name, network id) can be deleted."""
    if not author_ids:
        return
    networks: dict[int, str] = {}
    for row in session.execute(select(Author.id, Author.network).where(Author.id.in_(author_ids))):
        networks[row.id] = row.network
    for network in set(networks.values()):
        anon = scrub.anonymous_author(session, network)
        theirs = [a for a, n in networks.items() if n == network]
        for model, column in (
            (Post, Post.author_id),
            (Case, Case.customer_author_id),
            (Survey, Survey.author_id),
            (SurveyResponse, SurveyResponse.author_id),
            (CommunityAnswer, CommunityAnswer.author_id),
            (AutomatedMessage, AutomatedMessage.author_id),
        ):
            _update(session, model, column.in_(theirs), **{column.key: anon})


def _update(session: Session, model: Any, where: Any, **values: Any) -> None:
    session.execute(
        update(model).where(where).values(**values).execution_options(synchronize_session=False)
    )


def _blank_audit(session: Session, entity_type: str, entity_ids: list[int]) -> None:
    """The customer's own audit rows (contact data before and after) keep only who and when."""
    if not entity_ids:
        return
    if entity_type == "customer":
        _update(
            session,
            AuditEvent,
            (AuditEvent.entity_type == entity_type) & AuditEvent.entity_id.in_(entity_ids),
            before={},
            after={},
        )
    else:
        scrub.redact_audit(session, entity_type, entity_ids)
