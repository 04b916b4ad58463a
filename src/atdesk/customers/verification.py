"""Binding a network handle to a customer record through a signed link sent by DM.

The link carries only ids and a nonce; the nonce is stored when the link is issued and
marked when it is used, so a link binds at most once. Contact data the record lacks (the
phone number for a callback) is asked for on the link's private page, never in public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.customers.service import (
    CustomerError,
    create_customer,
    link_handle,
    update_customer,
)
from atdesk.domain.networks import Network
from atdesk.integrations.identity import (
    VerificationClaim,
    VerificationInvalid,
    issue_verification,
    verification_link,
    verify_verification,
)
from atdesk.models import Author, Customer, IdentityVerification

ACTOR = "verification"


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A verification row and the URL to send by private message."""

    verification: IdentityVerification
    url: str


@dataclass(frozen=True, slots=True)
class PendingLink:
    """A valid, unused link: who it is for, and whether the record still needs a phone."""

    claim: VerificationClaim
    verification: IdentityVerification
    customer: Customer
    author: Author | None
    needs_phone: bool


def record_for(session: Session, author: Author) -> Customer:
    """The customer the link will bind to: the author's record, the one made for an earlier
    unused link to them, or a new one in their name."""
    if author.customer is not None:
        return author.customer
    earlier = session.scalar(
        select(Customer)
        .join(IdentityVerification, IdentityVerification.customer_id == Customer.id)
        .where(IdentityVerification.author_id == author.id, IdentityVerification.used_at.is_(None))
        .order_by(IdentityVerification.id.desc())
        .limit(1)
    )
    if earlier is not None:
        return earlier
    return create_customer(session, name=author.name or author.handle, actor=ACTOR)


def issue_link(
    session: Session,
    *,
    author: Author,
    customer: Customer,
    secret_key: str,
    base_url: str,
    now: datetime,
    case_id: int | None = None,
) -> IssuedLink:
    """Sign a link for (this author, this record) and remember its nonce."""
    issued = issue_verification(
        secret_key=secret_key,
        network=author.network,
        author_native_id=author.native_id,
        customer_id=str(customer.id),
        now=now,
    )
    row = IdentityVerification(
        customer_id=customer.id,
        network=author.network,
        author_native_id=author.native_id,
        author_id=author.id,
        case_id=case_id,
        nonce=issued.nonce,
        expires_at=issued.expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedLink(row, verification_link(base_url, issued.token))


def open_link(session: Session, token: str, *, secret_key: str, now: datetime) -> PendingLink:
    """Check a link (signature, age, single use) before showing its page."""
    claim = verify_verification(token, secret_key=secret_key, now=now)
    row = session.scalar(
        select(IdentityVerification).where(IdentityVerification.nonce == claim.nonce)
    )
    if row is None or str(row.customer_id) != claim.customer_id:
        raise VerificationInvalid("this verification link was not issued by us; ask for a new one")
    if row.used_at is not None:
        raise VerificationInvalid("this verification link has already been used; ask for a new one")
    customer = session.get(Customer, row.customer_id)
    if customer is None:
        raise VerificationInvalid("the customer record is gone; ask us for a new link")
    author = session.scalar(
        select(Author).where(
            Author.network == claim.network, Author.native_id == claim.author_native_id
        )
    )
    return PendingLink(claim, row, customer, author, needs_phone=not customer.phone)


def _digits(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())[-10:]


def existing_record(session: Session, customer_number: str, phone: str | None) -> Customer:
    """The record the customer says is theirs: its number and its phone must both match."""
    found = session.scalar(select(Customer).where(Customer.external_id == customer_number.strip()))
    if found is None or not found.phone or _digits(found.phone) != _digits(phone):
        raise CustomerError(
            "that customer number and phone number do not match our records; check both, "
            "or leave the customer number empty"
        )
    return found


def _adopt(session: Session, pending: PendingLink, record: Customer) -> PendingLink:
    """Bind to the customer's existing record instead of the one made for the link."""
    provisional = pending.customer
    pending.verification.customer_id = record.id
    session.flush()
    if provisional.id != record.id and not provisional.handles and not provisional.authors:
        session.delete(provisional)
        session.flush()
    return PendingLink(pending.claim, pending.verification, record, pending.author, False)


def redeem(
    session: Session,
    token: str,
    *,
    secret_key: str,
    now: datetime,
    phone: str | None = None,
    name: str | None = None,
    customer_number: str | None = None,
) -> PendingLink:
    """Use the link: bind the handle to the record (an existing one when the customer proves
    it with its number and phone), fill what the record lacks, spend the nonce."""
    pending = open_link(session, token, secret_key=secret_key, now=now)
    author = pending.author
    if author is None:
        raise VerificationInvalid("we have not seen this account post yet; ask for a new link")
    if customer_number and customer_number.strip():
        pending = _adopt(session, pending, existing_record(session, customer_number, phone))
    changes: dict[str, str | None] = {}
    if pending.needs_phone:
        if not (phone or "").strip():
            raise CustomerError("please enter the phone number we should call")
        changes["phone"] = phone
    if name and name.strip() and not pending.customer.name:
        changes["name"] = name
    if changes:
        update_customer(session, pending.customer, changes, actor=ACTOR)
    link_handle(
        session,
        pending.customer,
        Network(author.network),
        author.handle,
        actor=ACTOR,
        source="verified",
    )
    author.customer_id = pending.customer.id
    pending.verification.customer_id = pending.customer.id
    pending.verification.used_at = now
    session.flush()
    return pending
