"""What a replay reader says about a row it could not take."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad input row, reported with its 1-based line number and skipped."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ReplayFormatError(ValueError):
    """The file as a whole cannot be read (no header, wrong columns): nothing is ingested."""


class RowInvalid(ValueError):
    """One row is unusable; the reader reports it with its line number and goes on."""


# Replay files are opened with errors="surrogateescape": a byte that is not UTF-8 becomes one of
# these code points, so the reader can skip its row instead of losing the whole file.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def undecodable(text: str) -> str | None:
    """Why text read with errors="surrogateescape" cannot be stored (None if it can).

    A byte that was not UTF-8 in the file, a lone surrogate, or a NUL, which PostgreSQL's text
    and JSON columns refuse (SQLite would take it, so a file would load on one and not the other).
    """
    nul = text.find("\x00")
    if nul != -1:
        column = nul - text.rfind("\n", 0, nul)
        return f"a NUL character (U+0000) at column {column}; text cannot contain NUL"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        column = exc.start - text.rfind("\n", 0, exc.start)
        if code in _ESCAPED_BYTES:
            return f"not valid UTF-8: byte 0x{code - 0xDC00:02x} at column {column}"
        return f"an unpaired surrogate U+{code:04X} at column {column}; text must be valid Unicode"
    return None
