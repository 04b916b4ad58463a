"""Creating customers, importing them, and linking their handles on every network."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.errors import AppError, NotFound
from atdesk.domain.handles import handle_key
from atdesk.domain.networks import Network
from atdesk.models import Author, Case, Customer, CustomerHandle, User

IMPORT_COLUMNS = (
    "external_id",
    "name",
    "email",
    "phone",
    "x_handle",
    "mastodon_acct",
    "bluesky_handle",
)
HANDLE_COLUMNS = {
    "x_handle": Network.X,
    "mastodon_acct": Network.MASTODON,
    "bluesky_handle": Network.BLUESKY,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{6,20}$")


class CustomerError(AppError):
    """A customer change that cannot be made, with the reason."""


class NoSuchHandle(CustomerError, NotFound):
    """The handle named is not one of this customer's (404)."""


@dataclass(slots=True)
class ImportReport:
    """What an import did, row by row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _clean_contact(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email and not _EMAIL.match(email):
        raise CustomerError(f"bad email {email!r}")
    if phone and not _PHONE.match(phone):
        raise CustomerError(f"bad phone {phone!r}")
    return email, phone


def _handle_matches(key: str) -> ColumnElement[bool]:
    """Authors whose handle equals the key, ignoring case."""
    return func.lower(Author.handle) == key


def attach_authors(session: Session, handles: Iterable[CustomerHandle]) -> None:
    """Point authors (and their cases) that match these handles at the handle's customer."""
    for linked in handles:
        authors = session.scalars(
            select(Author).where(
                Author.network == linked.network, _handle_matches(linked.handle_key)
            )
        ).all()
        for author in authors:
            author.customer_id = linked.customer_id
        if authors:
            session.execute(
                update(Case)
                .where(Case.customer_author_id.in_([a.id for a in authors]))
                .values(customer_id=linked.customer_id)
            )


def link_handle(
    session: Session,
    customer: Customer,
    network: Network,
    handle: str,
    *,
    actor: User | str,
    source: str = "manual",
) -> CustomerHandle:
    """Record that the customer uses this handle; their posts and cases follow the record."""
    key = handle_key(handle)
    if not key:
        raise CustomerError(f"empty {network.value} handle")
    existing = session.scalar(
        select(CustomerHandle).where(
            CustomerHandle.network == network.value, CustomerHandle.handle_key == key
        )
    )
    if existing is not None:
        if existing.customer_id != customer.id:
            raise CustomerError(
                f"{network.value} handle {handle!r} is linked to customer "
                f"{existing.customer_id}; unlink it there first"
            )
        return existing
    linked = CustomerHandle(
        customer_id=customer.id,
        network=network.value,
        handle=handle.strip().lstrip("@"),
        handle_key=key,
        source=source,
    )
    session.add(linked)
    session.flush()
    attach_authors(session, [linked])
    audit.record(
        session,
        entity_type="customer",
        entity_id=customer.id,
        action="customer.handle_linked",
        actor=actor,
        after={"network": network.value, "handle": linked.handle},
    )
    return linked


def unlink_handle(
    session: Session, customer: Customer, handle_id: int, *, actor: User | str
) -> None:
    """Forget a handle; authors and cases that came through it are detached from the record."""
    linked = session.get(CustomerHandle, handle_id)
    if linked is None or linked.customer_id != customer.id:
        raise NoSuchHandle(f"customer {customer.id} has no handle {handle_id}")
    authors = session.scalars(
        select(Author).where(
            Author.network == linked.network,
            _handle_matches(linked.handle_key),
            Author.customer_id == customer.id,
        )
    ).all()
    for author in authors:
        author.customer_id = None
    if authors:
        session.execute(
            update(Case)
            .where(Case.customer_author_id.in_([a.id for a in authors]))
            .values(customer_id=None)
        )
    audit.record(
        session,
        entity_type="customer",
        entity_id=customer.id,
        action="customer.handle_unlinked",
        actor=actor,
        before={"network": linked.network, "handle": linked.handle},
    )
    session.delete(linked)
    session.flush()


def create_customer(
    session: Session,
    *,
    name: str = "",
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    actor: User | str,
) -> Customer:
    """A new customer record; external ids are unique."""
    email, phone = _clean_contact(email, phone)
    external_id = (external_id or "").strip() or None
    if external_id and session.scalar(select(Customer).where(Customer.external_id == external_id)):
        raise CustomerError(f"a customer with external id {external_id!r} exists")
    customer = Customer(name=name.strip(), email=email, phone=phone, external_id=external_id)
    session.add(customer)
    session.flush()
    audit.record(
        session,
        entity_type="customer",
        entity_id=customer.id,
        action="customer.created",
        actor=actor,
        after={"name": customer.name, "external_id": external_id},
    )
    return customer


def _find_for_import(session: Session, row: dict[str, str]) -> Customer | None:
    """Re-imports update: match on external id, else email, else phone, else a known handle."""
    external_id = row.get("external_id", "").strip()
    if external_id:
        return session.scalar(select(Customer).where(Customer.external_id == external_id))
    email = row.get("email", "").strip()
    if email:
        found = session.scalar(select(Customer).where(Customer.email == email))
        if found:
            return found
    phone = row.get("phone", "").strip()
    if phone:
        found = session.scalar(select(Customer).where(Customer.phone == phone))
        if found:
            return found
    for column, network in HANDLE_COLUMNS.items():
        key = handle_key(row.get(column, ""))
        if key:
            linked = session.scalar(
                select(CustomerHandle).where(
                    CustomerHandle.network == network.value, CustomerHandle.handle_key == key
                )
            )
            if linked:
                return linked.customer
    return None


def import_customers(session: Session, path: Path, *, actor: User | str = "import") -> ImportReport:
    """Load SPEC.md section 5's CSV; bad rows are reported by line and skipped."""
    report = ImportReport()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in IMPORT_COLUMNS if c not in header]
        unknown = [c for c in header if c not in IMPORT_COLUMNS]
        if missing or unknown:
            raise CustomerError(
                f"expected columns {','.join(IMPORT_COLUMNS)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                report.errors.append(f"line {line}: wrong number of columns")
                continue
            values = {k.strip(): (v or "").strip() for k, v in row.items()}
            if not any(values.values()):
                continue
            savepoint = session.begin_nested()
            try:
                outcome = _import_row(session, values, actor)
            except CustomerError as exc:
                savepoint.rollback()
                report.errors.append(f"line {line}: {exc}")
                continue
            savepoint.commit()
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _import_row(session: Session, values: dict[str, str], actor: User | str) -> str:
    email, phone = _clean_contact(values.get("email"), values.get("phone"))
    customer = _find_for_import(session, values)
    outcome = "unchanged"
    if customer is None:
        customer = create_customer(
            session,
            name=values.get("name", ""),
            email=email,
            phone=phone,
            external_id=values.get("external_id"),
            actor=actor,
        )
        outcome = "created"
    else:
        given = {k: values[k] for k in ("name", "email", "phone", "external_id") if values.get(k)}
        if update_customer(session, customer, given, actor=actor):
            outcome = "updated"
    known = {(h.network, h.handle_key) for h in customer.handles}
    for column, network in HANDLE_COLUMNS.items():
        handle = values.get(column, "")
        if handle and (network.value, handle_key(handle)) not in known:
            link_handle(session, customer, network, handle, actor=actor, source="import")
            if outcome == "unchanged":
                outcome = "updated"
    session.flush()
    return outcome


def link_new_authors(session: Session, author_ids: Iterable[int]) -> None:
    """Pipeline hook: authors seen for the first time pick up a customer already known by handle."""
    ids = list(author_ids)
    if not ids:
        return
    for start in range(0, len(ids), 500):
        authors = session.scalars(
            select(Author).where(
                Author.id.in_(ids[start : start + 500]), Author.customer_id.is_(None)
            )
        ).all()
        by_key = {(a.network, handle_key(a.handle)): a for a in authors}
        if not by_key:
            continue
        handles = session.scalars(
            select(CustomerHandle).where(CustomerHandle.handle_key.in_({k for _, k in by_key}))
        ).all()
        for h in handles:
            author = by_key.get((h.network, h.handle_key))
            if author is not None:
                author.customer_id = h.customer_id


def update_customer(
    session: Session, customer: Customer, changes: Mapping[str, str | None], *, actor: User | str
) -> bool:
    """Change name, contact data or external id, audited; True when anything changed."""
    email, phone = _clean_contact(
        changes.get("email", customer.email), changes.get("phone", customer.phone)
    )
    wanted = {
        "name": (changes.get("name") or customer.name).strip(),
        "email": email,
        "phone": phone,
        "external_id": (changes.get("external_id", customer.external_id) or "").strip() or None,
    }
    if wanted["external_id"] and wanted["external_id"] != customer.external_id:
        taken = session.scalar(
            select(Customer).where(Customer.external_id == wanted["external_id"])
        )
        if taken is not None:
            raise CustomerError(
                f"external id {wanted['external_id']!r} belongs to customer {taken.id}"
            )
    diff = {k: v for k, v in wanted.items() if getattr(customer, k) != v}
    if not diff:
        return False
    before = {k: getattr(customer, k) for k in diff}
    for k, v in diff.items():
        setattr(customer, k, v)
    audit.record(
        session,
        entity_type="customer",
        entity_id=customer.id,
        action="customer.updated",
        actor=actor,
        before=before,
        after=diff,
    )
    session.flush()
    return True


def attach_case_customers(session: Session, case_ids: Iterable[int]) -> None:
    """Pipeline hook: a case belongs to the customer record of the author who opened it."""
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            update(Case)
            .where(Case.id.in_(chunk), Case.customer_id.is_(None))
            .values(
                customer_id=select(Author.customer_id)
                .where(Author.id == Case.customer_author_id)
                .scalar_subquery()
            )
        )
