"""One X app's filtered-stream rules, kept and checked the way X does (PROTOCOLS.md §1.4).

Every app has its own rule set and its own single stream connection. Rules get string ids
and keep their optional tag; adding a value the app already has is a `duplicate-rules`
error naming the existing rule's id, a value X would not parse is `invalid-rules`, and
rules past the cap are `rule-cap`. `dry_run` answers the same without keeping anything.
The rule language is x_query's subset: words, "phrases", #tags, `@user`, `from:`, `to:`,
`conversation_id:`, `is:retweet`, `is:reply`, OR and parentheses, `-` negating.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from atdesk.channels.timeparse import iso_millis
from atdesk.emulators.x_query import QueryError, parse_query, query_matches

PROBLEM = "https://api.twitter.com/2/problems/"
MAX_VALUE_LENGTH = 1024  # self-serve tiers
RULE_CAP = 1000  # per project

Users = Mapping[str, Mapping[str, Any]]
Rule = dict[str, str]
StreamInbox = queue.Queue[str | None]


def rule_problem(value: str) -> str | None:
    """Why X would refuse this rule value, or None when it is a rule the emulator can match."""
    if not value.strip():
        return "Rules must not be empty."
    if len(value) > MAX_VALUE_LENGTH:
        return f"Rule is {len(value)} characters long; the limit is {MAX_VALUE_LENGTH}."
    try:
        parse_query(value)
    except QueryError as exc:
        return str(exc)
    return None


def change_problem(body: Any) -> str | None:
    """Why a rules change request is malformed (X answers 400), or None when it is well formed."""
    if not isinstance(body, dict) or ("add" in body) == ("delete" in body) or len(body) != 1:
        return "Give exactly one of `add` or `delete`."
    if "add" in body:
        rules = body["add"]
        if not isinstance(rules, list) or not rules:
            return "`add` must be a non-empty array of rules."
        for rule in rules:
            if not isinstance(rule, dict) or not isinstance(rule.get("value"), str):
                return "Each rule to add needs a string `value`."
            if not isinstance(rule.get("tag", ""), str) or set(rule) - {"value", "tag"}:
                return "A rule to add has only `value` and an optional string `tag`."
        return None
    wanted = body["delete"]
    if not isinstance(wanted, dict) or set(wanted) - {"ids", "values"}:
        return "`delete` takes `ids` and/or `values`."
    ids, values = wanted.get("ids", []), wanted.get("values", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and i.isdigit() for i in ids):
        return "`delete.ids` must be an array of rule ids (digit strings)."
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return "`delete.values` must be an array of strings."
    if not ids and not values:
        return "`delete` names no rule."
    return None


def rule_matches(rule: str, tweet: Mapping[str, Any], users: Users) -> bool:
    """Does a post match a rule (x_query's subset of X's rule language)?"""
    return query_matches(rule, tweet, users)


def _error(kind: str, title: str, value: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"value": value, "title": title, "detail": detail, "type": f"{PROBLEM}{kind}", **extra}


@dataclass(slots=True)
class XApp:
    """One developer app: its rules (in creation order) and its open stream connections."""

    name: str
    rules: dict[str, Rule] = field(default_factory=dict)
    streams: list[tuple[StreamInbox, dict[str, list[str]]]] = field(default_factory=list)
    rule_cap: int = RULE_CAP

    def add(
        self, wanted: Sequence[Mapping[str, Any]], new_id: Callable[[], str], *, dry_run: bool
    ) -> dict[str, Any]:
        """The body X answers to `{"add": [...]}`: created rules, and errors for the others."""
        created: list[Rule] = []
        errors: list[dict[str, Any]] = []
        values = {r["value"]: r["id"] for r in self.rules.values()}
        invalid = 0
        for rule in wanted:
            value = str(rule.get("value") or "")
            problem = rule_problem(value)
            if problem is not None:
                invalid += 1
                errors.append(
                    _error(
                        "invalid-rules", "UnprocessableEntity", value, problem, details=[problem]
                    )
                )
            elif value in values:
                errors.append(
                    _error(
                        "duplicate-rules",
                        "DuplicateRule",
                        value,
                        "This rule is a duplicate of a rule the app has.",
                        id=values[value],
                    )
                )
            elif len(self.rules) + len(created) >= self.rule_cap:
                errors.append(
                    _error(
                        "rule-cap",
                        "RulesCapExceeded",
                        value,
                        f"The app may have at most {self.rule_cap} rules.",
                    )
                )
            else:
                stored: Rule = {"id": new_id(), "value": value}
                if rule.get("tag"):
                    stored["tag"] = str(rule["tag"])
                values[value] = stored["id"]
                created.append(stored)
        if not dry_run:
            self.rules.update((r["id"], r) for r in created)
        summary = {
            "created": len(created),
            "not_created": len(errors),
            "valid": len(wanted) - invalid,
            "invalid": invalid,
        }
        return _answer(summary, created, errors)

    def delete(self, ids: Iterable[str], values: Iterable[str], *, dry_run: bool) -> dict[str, Any]:
        """The body X answers to `{"delete": {"ids": [...], "values": [...]}}`."""
        found: list[str] = []
        errors: list[dict[str, Any]] = []
        for rule_id in ids:
            if rule_id in self.rules and rule_id not in found:
                found.append(rule_id)
            else:
                errors.append(_missing(rule_id, f"Rule {rule_id} does not exist."))
        by_value = {r["value"]: r["id"] for r in self.rules.values()}
        for value in values:
            if value in by_value and by_value[value] not in found:
                found.append(by_value[value])
            else:
                errors.append(_missing(value, f"No rule has the value {value!r}."))
        if not dry_run:
            for rule_id in found:
                del self.rules[rule_id]
        return _answer({"deleted": len(found), "not_deleted": len(errors)}, [], errors)

    def lookup(self, ids: Sequence[str], max_results: int, offset: int) -> tuple[list[Rule], int]:
        """A page of rules (all, or those with `ids`) and the offset of the next page (0: none)."""
        rules = [r for r in self.rules.values() if not ids or r["id"] in ids]
        page = rules[offset : offset + max_results]
        following = offset + len(page)
        return page, following if following < len(rules) else 0

    def matching(self, tweet: Mapping[str, Any], users: Users) -> list[dict[str, str]]:
        """`matching_rules` of a post: each matching rule's id, and its tag when it has one."""
        return [
            {"id": r["id"], **({"tag": r["tag"]} if "tag" in r else {})}
            for r in self.rules.values()
            if rule_matches(r["value"], tweet, users)
        ]


def _missing(value: str, detail: str) -> dict[str, Any]:
    return {
        "value": value,
        "title": "Invalid Request",
        "detail": detail,
        "type": f"{PROBLEM}invalid-request",
    }


def _answer(
    summary: dict[str, int], data: list[Rule], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    body: dict[str, Any] = {"meta": {"sent": iso_millis(datetime.now(UTC)), "summary": summary}}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = errors
    return body
