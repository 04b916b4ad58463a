"""Macros: saved replies whose {variables} are filled from the case at hand."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.errors import AppError
from atdesk.models import Brand, Case, Macro, User

VARIABLES = ("first_name", "case_id", "agent", "handle", "brand")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class MacroError(AppError):
    """A macro that cannot be saved as written, with what to fix."""


@dataclass(frozen=True, slots=True)
class Filled:
    """A macro ready to insert into the composer."""

    id: int
    name: str
    text: str


def unknown_variables(body: str) -> list[str]:
    """Placeholders a macro uses that atdesk cannot fill."""
    return sorted({v for v in _PLACEHOLDER.findall(body) if v not in VARIABLES})


def fill(body: str, values: Mapping[str, str]) -> str:
    """Replace every known {variable}; anything else is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def first_name(name: str, handle: str) -> str:
    """The first word of the customer's name, else their @handle."""
    word = name.strip().split()[0] if name.strip() else ""
    return word if word and any(c.isalpha() for c in word) else f"@{handle}"


def variables_for(case: Case, agent: User) -> dict[str, str]:
    """The values of every variable for this case and agent."""
    author = case.customer_author
    customer_name = author.customer.name if author.customer and author.customer.name else ""
    return {
        "first_name": first_name(customer_name or author.name, author.handle),
        "case_id": str(case.id),
        "agent": (agent.display_name or agent.username).split()[0],
        "handle": f"@{author.handle}",
        "brand": case.brand.name,
    }


def macros_for(session: Session, case: Case, agent: User) -> list[Filled]:
    """The brand's macros and the shared ones, filled in for this case."""
    values = variables_for(case, agent)
    rows = session.scalars(
        select(Macro)
        .where(or_(Macro.brand_id == case.brand_id, Macro.brand_id.is_(None)))
        .order_by(Macro.name)
    )
    return [Filled(m.id, m.name, fill(m.body, values)) for m in rows]


def save_macro(
    session: Session,
    *,
    name: str,
    body: str,
    brand: Brand | None,
    actor: User,
    macro: Macro | None = None,
) -> Macro:
    """Create or change a macro; unknown {variables} are refused with the list of known ones."""
    name, body = name.strip(), body.strip()
    if not name or not body:
        raise MacroError("a macro needs a name and a text")
    unknown = unknown_variables(body)
    if unknown:
        raise MacroError(
            f"unknown variable {{{unknown[0]}}}; use {', '.join('{' + v + '}' for v in VARIABLES)}"
        )
    before = {"name": macro.name, "body": macro.body, "brand_id": macro.brand_id} if macro else {}
    if macro is None:
        macro = Macro(created_by_user_id=actor.id)
        session.add(macro)
    macro.name, macro.body, macro.brand_id = name, body, brand.id if brand else None
    session.flush()
    audit.record(
        session,
        entity_type="macro",
        entity_id=macro.id,
        action="macro.saved",
        actor=actor,
        before=before,
        after={"name": name, "body": body, "brand_id": macro.brand_id},
    )
    return macro


def delete_macro(session: Session, macro: Macro, *, actor: User) -> None:
    """Remove a macro (audited with its last text)."""
    audit.record(
        session,
        entity_type="macro",
        entity_id=macro.id,
        action="macro.deleted",
        actor=actor,
        before={"name": macro.name, "body": macro.body, "brand_id": macro.brand_id},
    )
    session.delete(macro)
    session.flush()
