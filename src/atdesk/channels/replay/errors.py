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
