"""Which new cases belong to an open incident: the words a supervisor gave it, as whole words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from atdesk.domain.errors import AppError

MAX_TERMS = 20
MAX_TERM_CHARS = 80


class TermsError(AppError):
    """Match terms that cannot be used as given, with what to change."""


def normalise_terms(raw: Iterable[str]) -> list[str]:
    """Lower-cased phrases, inner spaces collapsed, duplicates and blanks dropped, order kept.

    Commas separate phrases too, so a form's "outage, app down" gives two terms.
    """
    terms: list[str] = []
    for chunk in raw:
        for part in str(chunk).split(","):
            term = " ".join(part.lower().split())
            if not term:
                continue
            if len(term) > MAX_TERM_CHARS:
                raise TermsError(
                    f"match term '{term[:30]}…' is {len(term)} characters; "
                    f"keep each under {MAX_TERM_CHARS}"
                )
            if len(term) < 3:
                raise TermsError(
                    f"match term '{term}' is too short to be telling; use 3 characters or more"
                )
            if term not in terms:
                terms.append(term)
    if len(terms) > MAX_TERMS:
        raise TermsError(f"{len(terms)} match terms; use at most {MAX_TERMS}")
    return terms


def _pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def matching_term(text: str, terms: Sequence[str]) -> str | None:
    """The first term the text contains as whole words ("outage" is not in "outages2"), if any."""
    for term in terms:
        if _pattern(term).search(text):
            return term
    return None
