"""One update, one text per customer: the macro variables filled in, fitted to the network.

The update is a template with the composer's macro variables ({first_name}, {handle},
{brand}, {case_id}, {agent}). A template naming no customer ({first_name} or {handle}) is
greeted "Hi {first_name}, " so every customer is addressed by name. When the text is too
long for the customer's network, the automatic greeting is dropped; the supervisor's own
words are never cut, so a text that cannot fit even then is refused with its count.
"""

from __future__ import annotations

from dataclasses import dataclass

from atdesk.domain.errors import AppError
from atdesk.models import Case, User
from atdesk.respond.limits import Measured, measure
from atdesk.respond.macros import VARIABLES, fill, unknown_variables, variables_for

GREETING = "Hi {first_name}, "
_NAMING = ("{first_name}", "{handle}")
# Sentence openers that read lower-case after the greeting ("Hi Dana, we found ..."); any
# other first word (a name, "I", a product) keeps its capital.
_OPENERS = frozenset(
    [
        "a",
        "all",
        "an",
        "apologies",
        "as",
        "good",
        "it",
        "just",
        "our",
        "quick",
        "sorry",
        "thank",
        "thanks",
        "the",
        "there",
        "this",
        "today",
        "unfortunately",
        "update",
        "we",
        "we're",
        "we've",
        "your",
    ]
)


class TemplateError(AppError):
    """An update text that cannot be sent as written, with what to change."""


@dataclass(frozen=True, slots=True)
class Personalised:
    """The text one customer gets, or (text None) the measure that shows why it cannot fit."""

    text: str | None
    measured: Measured


def check_template(template: str) -> str:
    """The template stripped; unknown {variables} and empty texts are refused."""
    text = template.strip()
    if not text:
        raise TemplateError("write the update first")
    unknown = unknown_variables(text)
    if unknown:
        known = ", ".join("{" + v + "}" for v in VARIABLES)
        raise TemplateError(
            f"unknown variable {{{unknown[0]}}}; use one of {known} (or write the text plainly)"
        )
    return text


def candidates(template: str) -> list[str]:
    """The texts to try, best first: greeted when the template names no one, then as written."""
    if any(v in template for v in _NAMING):
        return [template]
    return [GREETING + _after_greeting(template), template]


def _after_greeting(template: str) -> str:
    """The template as it continues the greeting: a plain opener loses its capital."""
    first = template.split(maxsplit=1)[0].rstrip(",.!:")
    if first[:1].isupper() and first[1:].islower() and first.lower() in _OPENERS:
        return template[0].lower() + template[1:]
    return template


def personalise(case: Case, sender: User, template: str, *, private: bool) -> Personalised:
    """This case's customer's text: the first candidate the network's length rule accepts."""
    values = variables_for(case, sender)
    handle = case.customer_author.handle
    measured: Measured | None = None
    for candidate in candidates(template):
        text = fill(candidate, values)
        measured = measure(case.network, text, private=private, recipient_handle=handle)
        if measured.valid:
            return Personalised(text, measured)
    assert measured is not None
    return Personalised(None, measured)
