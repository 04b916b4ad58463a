"""The rule form: each field as the admin typed it, turned into the data every editor validates.

The form is another way to write the plain data the YAML editor and the API give `RuleSpec`:
it keeps what was typed (a refused form comes back as it was sent), builds that data, and
puts each of pydantic's errors beside the field it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from atdesk.automations.engine.actions import ACTIONS as REGISTERED
from atdesk.automations.engine.inputs import ActionKind, Input, values_of
from atdesk.automations.engine.rules import (
    ACTION_TYPES,
    RuleSpec,
)
from atdesk.domain.networks import Network
from atdesk.domain.triage import Intent, Priority, Sentiment

_ROW_KEY = re.compile(r"a\d{1,4}")


CONDITIONS: tuple[Input, ...] = (
    Input("intent", "Intent", "choices", values_of(Intent)),
    Input("sentiment", "Sentiment", "choices", values_of(Sentiment)),
    Input("priority", "Priority", "choices", values_of(Priority)),
    Input("language", "Language", "words", help="ISO 639-1 codes: en, es", placeholder="en, es"),
    Input("network", "Network", "choices", values_of(Network)),
    Input("author", "Author", "words", help="handles, comma-separated", placeholder="@dana"),
    Input("min_followers", "At least this many followers", "number"),
    Input("max_followers", "At most this many followers", "number"),
    Input(
        "keywords", "Keywords", "lines", help="one word or phrase a line; any of them, whole words"
    ),
    Input("regex", "Regular expression", "text", help="searched in the text, case ignored"),
    Input("mentions", "Mentions these accounts", "words", placeholder="@acmeceo, @press"),
    Input(
        "watched",
        "Mentions a watched account",
        "yesno",
        help="the brand's watched accounts (executives, press)",
    ),
    Input(
        "business_hours",
        "Business hours",
        "select",
        ("inside", "outside"),
        "from the brand's SLA calendar",
    ),
    Input(
        "customer_linked", "Customer record linked", "yesno", help="the author is a known customer"
    ),
    Input("direct", "Private message", "yesno"),
    Input("has_location", "Has a location", "yesno", help="coordinates or a place in the text"),
    Input("pii", "Contains personal data", "yesno"),
    Input("verified", "Verified author", "yesno"),
    Input(
        "spam",
        "Flagged as spam",
        "yesno",
        help="triage's spam flag; spam is filtered, so only restored posts reach rules",
    ),
    Input("abuse", "Flagged as abuse", "yesno", help="harassment, hate or threats (triage)"),
)


CONDITION_BY_NAME = {c.name: c for c in CONDITIONS}


def action_kinds() -> tuple[ActionKind, ...]:
    """The action types the form offers, in the rule reference's order; each registered beside
    its sub-domain with its label and parameters (`engine.actions.action`)."""
    return tuple(REGISTERED[name].kind for name in ACTION_TYPES if name in REGISTERED)


def action_by_type() -> dict[str, ActionKind]:
    """The form's action types by their `type:` name."""
    return {kind.name: kind for kind in action_kinds()}


@dataclass(slots=True)
class ActionRow:
    """One action as typed; `key` names its fields in the form (`a2.tags`)."""

    key: str
    type: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RuleForm:
    """Everything the admin typed, as strings (and ticked boxes), in the order of the rows."""

    name: str = ""
    enabled: bool = True
    stop: bool = False
    min_confidence: str = ""
    position: str = ""
    when: dict[str, str | list[str]] = field(default_factory=dict)
    then: list[ActionRow] = field(default_factory=list)

    def next_key(self) -> str:
        """A row key no action of this form uses."""
        used = {int(row.key[1:]) for row in self.then}
        return f"a{max(used, default=-1) + 1}"


@dataclass(frozen=True, slots=True)
class Checked:
    """The form's rule data, the rule when it is valid, and the problems by field."""

    data: dict[str, Any]
    spec: RuleSpec | None
    errors: dict[str, str]


def read_form(fields: FormData) -> RuleForm:
    """The rule form as posted: rows in page order, text as typed (line ends made `\\n`)."""

    def text(key: str) -> str:
        value = fields.get(key)
        return value.replace("\r\n", "\n") if isinstance(value, str) else ""

    form = RuleForm(
        name=text("name"),
        enabled=bool(fields.get("enabled")),
        stop=bool(fields.get("stop")),
        min_confidence=text("min_confidence").strip(),
        position=text("position"),
    )
    for name in fields.getlist("condition"):
        condition = CONDITION_BY_NAME.get(name) if isinstance(name, str) else None
        if condition is None or condition.name in form.when:
            continue
        key = f"when.{condition.name}"
        form.when[condition.name] = (
            [v for v in fields.getlist(key) if isinstance(v, str)]
            if condition.widget == "choices"
            else text(key)
        )
    for row_key in fields.getlist("action"):
        kind = action_by_type().get(text(f"{row_key}.type"))
        if not isinstance(row_key, str) or not _ROW_KEY.fullmatch(row_key) or kind is None:
            continue
        if all(row.key != row_key for row in form.then):
            values = {p.name: text(f"{row_key}.{p.name}") for p in kind.params}
            form.then.append(ActionRow(row_key, kind.name, values))
    return form


def form_of_spec(spec: RuleSpec) -> RuleForm:
    """A saved (or YAML-written) rule as the form shows it; reading it back gives `spec`."""
    form = RuleForm(
        name=spec.name,
        enabled=spec.enabled,
        stop=spec.stop,
        min_confidence=_text(spec.min_confidence),
    )
    for name, value in spec.when.given().items():
        form.when[name] = _shown(CONDITION_BY_NAME[name], value)
    for index, action in enumerate(spec.actions_json()):
        kind = action_by_type()[action["type"]]
        values = {p.name: _text(action.get(p.name)) for p in kind.params}
        form.then.append(ActionRow(f"a{index}", kind.name, values))
    return form


def _shown(condition: Input, value: Any) -> str | list[str]:
    if condition.widget == "choices":
        return [str(v) for v in value]
    if condition.widget == "yesno":
        return "yes" if value else "no"
    if condition.widget == "lines":
        return "\n".join(value)
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def check_form(form: RuleForm) -> Checked:
    """Build the rule data and validate it with `RuleSpec`, as the YAML editor and the API do."""
    errors: dict[str, str] = {}
    when: dict[str, Any] = {}
    for name, raw in form.when.items():
        value = _condition_value(CONDITION_BY_NAME[name], raw)
        if value is None:
            errors[f"when.{name}"] = "choose or write a value, or remove this condition"
        else:
            when[name] = value
    then: list[dict[str, Any]] = []
    for row in form.then:
        item: dict[str, Any] = {"type": row.type}
        for param in action_by_type()[row.type].params:
            value = _param_value(param, row.values.get(param.name, ""))
            if value is not None:
                item[param.name] = value
        then.append(item)
    data = {
        "name": form.name,
        "enabled": form.enabled,
        "stop": form.stop,
        "min_confidence": form.min_confidence.strip() or None,
        "when": when,
        "then": then,
    }
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        return Checked(data, None, {**_field_errors(exc, form), **errors})
    return Checked(data, None if errors else spec, errors)


def _split(raw: str, pattern: str) -> list[str]:
    return [part.strip() for part in re.split(pattern, raw) if part.strip()]


def _condition_value(condition: Input, raw: str | list[str]) -> Any:
    """The condition's value, or None when the row was left empty (never 'matches anything')."""
    if isinstance(raw, list):
        return raw or None
    if condition.widget == "yesno":
        return {"yes": True, "no": False}.get(raw)
    if condition.widget in ("words", "lines"):
        return _split(raw, r"[,\s]+" if condition.widget == "words" else r"\n") or None
    if condition.widget == "number":
        return raw.strip() or None
    return raw if raw.strip() else None


def _param_value(param: Input, raw: str) -> Any:
    """The parameter's value, or None when left empty (the model's default, or 'required')."""
    if not raw.strip():
        return None
    if param.widget == "list":
        return _split(raw, ",")
    return raw.strip() if param.widget == "number" else raw


def _field_errors(exc: ValidationError, form: RuleForm) -> dict[str, str]:
    """Pydantic's errors keyed by the form field they are about (the first one per field)."""
    out: dict[str, str] = {}
    for error in exc.errors():
        key = _field_of(error["loc"], form)
        if error["type"] == "missing" or (
            error["type"] == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1
        ):
            message = "required: fill this in"
        elif error["type"] == "string_pattern_mismatch":
            message = "write a web address starting with https:// (or http://)"
        elif key == "then" and error["type"] == "too_short":
            message = "add at least one action"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        out.setdefault(key, message)
    return out


def _field_of(loc: tuple[int | str, ...], form: RuleForm) -> str:
    """`("then", 1, "tag", "tags")` is the second action row's tags field, `a1.tags`."""
    if len(loc) >= 2 and loc[0] == "when":
        return f"when.{loc[1]}"
    if len(loc) >= 2 and loc[0] == "then" and isinstance(loc[1], int) and loc[1] < len(form.then):
        key = form.then[loc[1]].key
        return f"{key}.{loc[3]}" if len(loc) >= 4 else key
    return str(loc[0]) if loc else "then"


def edit_rows(form: RuleForm, do: str, *, condition: str = "", action: str = "") -> bool:
    """Add, remove or move a row as the page's buttons ask (what the script does in place).

    Returns False when `do` is not a row edit.
    """
    verb, _, target = do.partition(":")
    if verb == "add-condition":
        chosen = CONDITION_BY_NAME.get(condition)
        if chosen is not None and chosen.name not in form.when:
            form.when[chosen.name] = [] if chosen.widget == "choices" else ""
    elif verb == "add-action":
        if action in action_by_type():
            form.then.append(ActionRow(form.next_key(), action, {}))
    elif verb == "remove":
        form.when.pop(target.removeprefix("when."), None)
        form.then = [row for row in form.then if row.key != target]
    elif verb == "up":
        keys = [row.key for row in form.then]
        if target in keys[1:]:
            i = keys.index(target)
            form.then[i - 1], form.then[i] = form.then[i], form.then[i - 1]
    else:
        return False
    return True


def error_list(form: RuleForm, errors: dict[str, str]) -> list[tuple[str, str]]:
    """The problems with the name of the field each is about, for the summary above the form."""
    kinds = {row.key: action_by_type()[row.type] for row in form.then}
    out = []
    for key, message in errors.items():
        head, _, param = key.partition(".")
        if head == "when":
            where = CONDITION_BY_NAME[param].label if param in CONDITION_BY_NAME else "Conditions"
        elif head in kinds:
            labels = {p.name: p.label for p in kinds[head].params}
            where = kinds[head].label + (f": {labels.get(param, param)}" if param else "")
        else:
            where = {
                "name": "Name",
                "then": "Actions",
                "min_confidence": "Minimum intent confidence",
            }.get(head, head)
        out.append((where, message))
    return out
