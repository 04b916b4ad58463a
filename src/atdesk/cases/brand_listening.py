"""A brand's listening settings: saved validated and audited like its other rules (ADR 88)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from atdesk.brands.settings import store_settings_change
from atdesk.domain.handles import handle_key
from atdesk.domain.listening import Listening, split_terms, validated
from atdesk.models import Brand, User


def listening_view(brand: Brand) -> dict[str, Any]:
    """What the form and the API show: terms as written, executives, the thread switch."""
    heard = Listening.from_settings(brand.settings)
    return {
        "terms": [t.written for t in heard.terms],
        "exclusions": [t.written for t in heard.exclusions],
        "executives": list(heard.executives),
        "brand_threads": heard.brand_threads,
    }


def _audited(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "listening": settings.get("listening"),
        "watched_handles": settings.get("watched_handles"),
    }


def update_listening(
    session: Session,
    brand: Brand,
    *,
    terms: Sequence[str] | None = None,
    exclusions: Sequence[str] | None = None,
    executives: Sequence[str] | None = None,
    brand_threads: bool | None = None,
    actor: User,
) -> Listening:
    """Replace the given parts (None keeps a part as it is); raises ListeningError on bad input.

    Executives are the brand's watched_handles: the one list both escalates their mentions
    and makes the brand hear posts aimed at them.
    """
    current = listening_view(brand)
    saved = validated(
        list(current["terms"] if terms is None else terms),
        list(current["exclusions"] if exclusions is None else exclusions),
        list(current["executives"] if executives is None else executives),
        current["brand_threads"] if brand_threads is None else brand_threads,
    )
    parts: dict[str, Any] = {"listening": saved.to_json()}
    if executives is not None:
        parts["watched_handles"] = list(saved.executives)
    settings = dict(brand.settings or {})
    before = _audited(settings)
    after = _audited({**settings, **parts})
    if after != before:
        store_settings_change(
            session, brand, parts, action="brand.listening", actor=actor, before=before, after=after
        )
    return saved


def update_listening_from_form(
    session: Session,
    brand: Brand,
    *,
    terms: str,
    exclusions: str,
    executives: str,
    brand_threads: bool,
    actor: User,
) -> Listening:
    """The form's text fields (comma or line separated; quotes keep a phrase whole)."""
    return update_listening(
        session,
        brand,
        terms=split_terms(terms),
        exclusions=split_terms(exclusions),
        executives=[handle_key(h) for h in split_terms(executives)],
        brand_threads=brand_threads,
        actor=actor,
    )
