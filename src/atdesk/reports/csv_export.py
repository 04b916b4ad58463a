"""Reports tables as CSV files a spreadsheet opens safely.

Cells come from customers and staff (intent names, team and agent names, case subjects), so a
cell that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return before one) gets a leading apostrophe (OWASP "CSV injection"). Numbers are written as
numbers, so a negative NPS stays -12 and is not mistaken for a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^a-z0-9_-]+")

Cell = str | int | float | None


def safe_cell(value: Cell) -> str | int | float:
    """One cell: numbers as they are, empty for None, text defused if it starts a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The table as CSV text (RFC 4180 quoting, CRLF line ends, every cell made safe)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """A download of the table named `name` (a UTF-8 BOM so spreadsheets read accents right)."""
    filename = _UNSAFE_NAME.sub("-", name.lower()).strip("-") or "report"
    return Response(
        content="\ufeff" + csv_text(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.csv"',
            "Cache-Control": "no-store",
        },
    )
