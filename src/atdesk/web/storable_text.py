"""Text a database cannot store is refused at the door with 422, not a 500 from deep inside.

PostgreSQL's text and JSONB cannot hold NUL (U+0000), and neither database can encode a lone
UTF-16 surrogate (JSON's "\\ud800" without its pair). A NUL in a query string, a form or a JSON
body, or a lone surrogate in a JSON body, would reach a column or a search on PostgreSQL and fail
there; one dependency on the whole app checks every request before a handler runs. X's webhook
included: X's posts cannot carry a NUL, so a delivery that does is not X's (replay files report
such a row with its line, channels/replay/errors.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import HTTPException, Request, status

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_REFUSED = (
    "text cannot contain NUL characters (U+0000, '%00' or '\\u0000'): remove them and send again"
)
SURROGATE_REFUSED = (
    "text must be valid Unicode: a lone surrogate ('\\ud800'..'\\udfff' without its pair) "
    "cannot be stored; send the character itself or its full pair"
)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _unstorable(text: str) -> str | None:
    """Why this text cannot be stored, or None."""
    if "\x00" in text:
        return NUL_REFUSED
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_REFUSED
    return None


def _json_problem(body: bytes) -> str | None:
    """The first unstorable string of a JSON body (one that does not parse is FastAPI's to refuse).

    Only an escape can carry a NUL or a lone surrogate in UTF-8 JSON, so a body without one is
    not parsed twice; zero bytes mean UTF-16 or UTF-32, which JSON allows, and are parsed.
    """
    if b"\\u" not in body and b"\x00" not in body:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return next((p for s in _strings(parsed) if (p := _unstorable(s)) is not None), None)


async def storable_text(request: Request) -> None:
    """Refuse a request whose text no database column could hold (app-wide dependency)."""
    if "\x00" in request.url.path or b"%00" in request.scope.get("query_string", b""):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=NUL_REFUSED)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if getattr(request.scope.get("route"), "body_field", None) is None:
        # FastAPI has not read the body: keep its bytes for handlers that read them raw (X's
        # signature is over the bytes); a form parsed below is then parsed from these.
        await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        # Parsed once and kept on the request (FastAPI's Form() and PageForm read the same).
        form = await request.form()
        fields = (text for item in form.multi_items() for text in item if isinstance(text, str))
        problem = next((p for text in fields if (p := _unstorable(text)) is not None), None)
    else:
        problem = _json_problem(await request.body())  # FastAPI reads any other body as JSON
    if problem is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=problem)
