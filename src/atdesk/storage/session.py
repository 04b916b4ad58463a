"""Sessions: one request or one job is one transaction, and only the boundary commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from atdesk.storage.engine import get_engine


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker[Session]:
    """A session maker bound to the engine for this URL."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def transaction(url: str) -> Iterator[Session]:
    """Run a unit of work: commit if it returns, roll back if it raises."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
