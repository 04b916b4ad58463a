"""How the rule form shows a condition or an action (the form and the action registry share it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

# choices: checkboxes, any of them; words: comma- or space-separated; list: comma-separated;
# lines: one a line; yesno and select: one choice; number, text, textarea: as typed.
Widget = Literal[
    "choices", "words", "list", "lines", "number", "text", "textarea", "yesno", "select"
]


@dataclass(frozen=True, slots=True)
class Input:
    """One condition or action parameter as the form shows it."""

    name: str
    label: str
    widget: Widget
    choices: tuple[str, ...] = ()
    help: str = ""
    required: bool = False
    placeholder: str = ""
    suggest: str = ""
    """The id of a <datalist> offering values (teams)."""


@dataclass(frozen=True, slots=True)
class ActionKind:
    """One action type: its label, what it does (the model's docstring) and its parameters."""

    name: str
    label: str
    model: type[BaseModel]
    params: tuple[Input, ...] = ()

    @property
    def help(self) -> str:
        """The model's docstring on one line: the same words as the rule reference."""
        return " ".join((self.model.__doc__ or "").split())


def values_of(enum: type[StrEnum]) -> tuple[str, ...]:
    """An enum's values, as a select or checkboxes offer them."""
    return tuple(member.value for member in enum)
