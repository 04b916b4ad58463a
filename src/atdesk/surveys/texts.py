"""Survey texts made personal: the customer's first name, the brand, the case, fitted to a
private message on the case's network (the survey question and the follow-up question)."""

from __future__ import annotations

from atdesk.models import Case
from atdesk.respond.macros import first_name
from atdesk.respond.texts import fit
from atdesk.surveys.settings import render_text


def personal_text(case: Case, template: str) -> str:
    """A survey text for this case's customer, short enough for a private message."""
    author = case.customer_author
    customer_name = author.customer.name if author.customer and author.customer.name else ""
    text = render_text(
        template,
        {
            "first_name": first_name(customer_name or author.name, author.handle),
            "brand": case.brand.name,
            "case_id": str(case.id),
            "handle": f"@{author.handle}",
        },
    )
    return fit(case.network, text, private=True, to=author.handle)
