"""Alembic environment: runs migrations on the connection or URL atdesk hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from atdesk.models import Base
from atdesk.storage.engine import get_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    """Render batch operations on SQLite, whose ALTER TABLE is limited."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with get_engine(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
        _run(conn)
        conn.commit()
