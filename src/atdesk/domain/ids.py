"""Row ids and page numbers read from people's input, bounded before they reach a database.

Python's integers have no size, the databases' do: SQLite raises OverflowError past 2**63 - 1
and PostgreSQL refuses what does not fit its column, whose ids are INTEGER (to 2**31 - 1), as are
the LIMIT and OFFSET it is sent. A number no row can have is checked here, once, so a hostile id
answers 'not found' or 'not valid' instead of a server error.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# The largest 32-bit signed integer: PostgreSQL's INTEGER (every id column) ends here.
MAX_ID = 2**31 - 1
# Pages past this are past the end of any list (and page * size still fits 32 bits).
MAX_PAGE = 10**7
# Offsets into a list: anything larger is past its end (and fits PostgreSQL's INTEGER OFFSET).
MAX_OFFSET = 2**31 - 1

# An id of a stored row, in a path, a query string or a JSON body: 1 .. 2**31 - 1.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# How far into a list an API page starts.
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]


def parse_id(value: object) -> int | None:
    """The id a form or query value names, or None when no row can have it."""
    text = str(value if value is not None else "").strip()
    if not text.isdecimal() or not text.isascii():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_page(value: object) -> int:
    """A page number from a query string: 1 for anything that is not one, at most MAX_PAGE."""
    text = str(value if value is not None else "").strip()
    if not text.isdecimal() or not text.isascii() or len(text) > len(str(MAX_PAGE)):
        return 1
    return min(max(1, int(text)), MAX_PAGE)
