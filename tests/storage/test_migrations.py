"""The migrations build exactly the schema the models describe, up and down, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from atdesk.models import Base
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import downgrade, upgrade


def _is_search_index(diff: Any) -> bool:
    """Full-text search tables and columns are made by hand in the migrations (no model)."""
    text = repr(diff)
    return "_fts" in text or "text_search" in text or "tsvector" in text.lower()


def schema_drift(url: str) -> list[Any]:
    with get_engine(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, Base.metadata) if not _is_search_index(d)]


def test_models_and_migrations_agree(database_url: str) -> None:
    assert schema_drift(database_url) == []


def test_every_migration_downgrades_and_upgrades_again(database_url: str) -> None:
    downgrade(database_url, "base")
    upgrade(database_url)
    assert schema_drift(database_url) == []
