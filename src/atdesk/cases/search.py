"""Full-text search over posts with the database's own index: SQLite FTS5 or PostgreSQL tsvector.

Both sides take the same input: words typed by an agent. Only letters and digits reach the
query language, every word must match, and the last one matches as a prefix (search as you
type). A query of only `@handle` finds the customer; a number also finds that case id.
"""

from __future__ import annotations

from typing import Any

import regex
from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from atdesk.domain.ids import parse_id
from atdesk.models import Author, Case
from atdesk.models import Post as PostRow

_WORD = regex.compile(r"[\p{L}\p{N}_]+")
MAX_WORDS = 8


def words(query: str) -> list[str]:
    """The searchable words of a query, lower-cased, at most MAX_WORDS."""
    return [w.lower() for w in _WORD.findall(query)][:MAX_WORDS]


def fts5_query(query: str) -> str | None:
    """`"refund" "charg"*`: every word quoted (no FTS5 syntax can get through), last as prefix."""
    found = words(query)
    if not found:
        return None
    quoted = [f'"{w}"' for w in found]
    quoted[-1] += "*"
    return " ".join(quoted)


def tsquery(query: str) -> str | None:
    """`refund & charg:*` for to_tsquery('simple', ...); only word characters are kept."""
    found = words(query)
    if not found:
        return None
    return " & ".join([*found[:-1], f"{found[-1]}:*"])


def matching_post_ids(session: Session, query: str) -> Select[Any] | None:
    """A subquery of ids of posts whose text matches, or None when nothing is searchable."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        expr = fts5_query(query)
        if expr is None:
            return None
        return (
            select(literal_column("rowid"))
            .select_from(text("posts_fts"))
            .where(literal_column("posts_fts").op("MATCH")(expr))
        )
    expr = tsquery(query)
    if expr is None:
        return None
    return select(PostRow.id).where(
        func.to_tsvector(literal_column("'simple'"), PostRow.text).op("@@")(
            func.to_tsquery(literal_column("'simple'"), expr)
        )
    )


def case_search_condition(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on cases for what the agent typed (text, @handle or case number)."""
    query = query.strip()
    if not query:
        return None
    if query.startswith("@") and len(words(query)) == 1:
        handle = query.lstrip("@").lower()
        authors = select(Author.id).where(func.lower(Author.handle) == handle)
        return Case.customer_author_id.in_(authors)
    posts = matching_post_ids(session, query)
    conditions: list[ColumnElement[bool]] = []
    if posts is not None:
        conditions.append(
            Case.id.in_(
                select(PostRow.case_id).where(PostRow.id.in_(posts), PostRow.case_id.is_not(None))
            )
        )
    case_id = parse_id(query.lstrip("#"))
    if case_id is not None:
        conditions.append(Case.id == case_id)
    if not conditions:
        return Case.id == -1
    return or_(*conditions)
