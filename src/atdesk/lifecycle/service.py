"""Writes of the data lifecycle: a brand's retention settings (audited on the brand)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from atdesk.brands.settings import store_settings_change
from atdesk.lifecycle.settings import (
    SETTINGS_KEY,
    RetentionSettings,
    parse_settings,
    retention_settings,
)
from atdesk.models import Brand, User


def save_settings(
    session: Session, brand: Brand, changes: Mapping[str, Any], *, actor: User | str
) -> RetentionSettings:
    """Check and store a change to the brand's retention, audited on the brand."""
    before = retention_settings(brand)
    after = parse_settings(changes, before)
    if after != before:
        store_settings_change(
            session,
            brand,
            {SETTINGS_KEY: after.to_json()},
            action="brand.retention",
            actor=actor,
            before=before.to_json(),
            after=after.to_json(),
        )
    return after
