"""The filtered-stream rules of the brands on one X app, and which brands a streamed post is for.

X allows one stream connection per app, but that connection carries every rule of the app
and names the rules each post matched (`matching_rules`). Each brand account has a rule
`@handle` plus the rules of its listening (ADR 88), all tagged `atdesk:acct:<X user id>`.
Before every connection, and on the open one when the brands (or their listening) change,
the app's rules are reconciled with the brands the stream carries: our rules for brands
that are gone (or whose handle or listening changed) are deleted, missing ones added,
everybody else's left alone; a post then goes to each brand whose rule it matched
(ADR 65).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atdesk.channels.x.account import XAccount
from atdesk.channels.x.api import XApi

log = logging.getLogger(__name__)

TAG_PREFIX = "atdesk:acct:"
_LEGACY_TAG = re.compile(r"^atdesk:\d+$")  # ADR 60's one-brand-per-app rule


def rule_tag(account: XAccount) -> str:
    """The tag naming the brand account a rule is for (X user ids never change)."""
    return f"{TAG_PREFIX}{account.user_id}"


def rule_value(account: XAccount) -> str:
    """What the brand's rule filters for: posts mentioning it."""
    return f"@{account.account_key}"


def rule_values(account: XAccount) -> list[str]:
    """Every rule the brand needs: its mention rule, then its listening (ADR 88): tracked
    terms (split to fit X's rule length), executives, replies to its posts. All carry the
    brand's tag, so a matched post is routed to it like a mention."""
    return list(dict.fromkeys([rule_value(account), *account.listen_values]))


def wanted_rules(members: Sequence[XAccount]) -> dict[str, XAccount]:
    """Rule value -> the brand it is for; a value two brands share serves the first."""
    wanted: dict[str, XAccount] = {}
    for member in members:
        for value in rule_values(member):
            wanted.setdefault(value, member)
    return wanted


def is_ours(tag: Any) -> bool:
    """A rule atdesk manages (and may delete); any other rule on the app is left alone."""
    return isinstance(tag, str) and (tag.startswith(TAG_PREFIX) or bool(_LEGACY_TAG.match(tag)))


@dataclass(frozen=True, slots=True)
class RulePlan:
    """What reconciling changes: rule ids to delete, rules to add, rules kept (id -> user id)."""

    delete: tuple[str, ...]
    add: tuple[dict[str, str], ...]
    kept: Mapping[str, str]


def plan_rules(existing: Sequence[Mapping[str, Any]], members: Sequence[XAccount]) -> RulePlan:
    """Compare the app's rules with the brands the stream carries (pure, so it is testable)."""
    wanted = wanted_rules(members)
    delete: list[str] = []
    kept: dict[str, str] = {}
    covered: set[str] = set()
    for rule in existing:
        rule_id, value, tag = str(rule.get("id")), str(rule.get("value") or ""), rule.get("tag")
        member = wanted.get(value)
        if is_ours(tag):
            if member is not None and tag == rule_tag(member) and value not in covered:
                kept[rule_id] = member.user_id
                covered.add(value)
            else:
                delete.append(rule_id)
        elif member is not None and value not in covered:
            # Someone else's rule already filters for the brand; X refuses a duplicate value.
            kept[rule_id] = member.user_id
            covered.add(value)
    add = tuple(
        {"value": value, "tag": rule_tag(member)}
        for value, member in wanted.items()
        if value not in covered
    )
    return RulePlan(tuple(delete), add, kept)


@dataclass(frozen=True, slots=True)
class StreamRoutes:
    """Which brand accounts a streamed post is for, from the rules it matched."""

    by_rule: Mapping[str, str]
    accounts: Mapping[str, XAccount]

    def accounts_for(self, matching_rules: Any) -> list[XAccount]:
        """The brands whose rules (by id, else by our tag) matched, each once, in rule order."""
        found: list[XAccount] = []
        for rule in matching_rules if isinstance(matching_rules, list) else ():
            if not isinstance(rule, Mapping):
                continue
            user_id = self.by_rule.get(str(rule.get("id"))) or _user_of_tag(rule.get("tag"))
            account = self.accounts.get(user_id or "")
            if account is not None and account not in found:
                found.append(account)
        return found


def _user_of_tag(tag: Any) -> str | None:
    if isinstance(tag, str) and tag.startswith(TAG_PREFIX):
        return tag.removeprefix(TAG_PREFIX)
    return None


def app_rules(api: XApi) -> Iterator[dict[str, Any]]:
    """Every rule of the app, following `next_token`."""
    token: str | None = None
    while True:
        body = api.stream_rules(pagination_token=token)
        yield from body.get("data") or ()
        token = (body.get("meta") or {}).get("next_token")
        if not token:
            return


def reconcile_rules(api: XApi, members: Sequence[XAccount]) -> StreamRoutes:
    """Make the app's rules carry exactly these brands (ours only) and say where posts go."""
    plan = plan_rules(list(app_rules(api)), members)
    if plan.delete:
        answer = api.delete_stream_rules(list(plan.delete))
        summary = (answer.get("meta") or {}).get("summary") or {}
        if summary.get("not_deleted"):
            log.info("X had already removed %s stale stream rule(s)", summary["not_deleted"])
    routes = dict(plan.kept)
    if plan.add:
        by_value = wanted_rules(members)
        answer = api.add_stream_rules(list(plan.add))
        for rule in answer.get("data") or ():
            member = by_value.get(str(rule.get("value")))
            if member is not None:
                routes[str(rule["id"])] = member.user_id
        for error in answer.get("errors") or ():
            member = by_value.get(str(error.get("value")))
            if member is not None and error.get("id"):  # a duplicate: that rule serves the brand
                routes[str(error["id"])] = member.user_id
            else:
                log.warning(
                    "X refused the stream rule %r (%s: %s); that brand is only polled until "
                    "room is made among the app's rules or its handle is fixed",
                    error.get("value"),
                    str(error.get("type") or "").rsplit("/", 1)[-1],
                    error.get("detail") or error.get("title"),
                )
    return StreamRoutes(routes, {m.user_id: m for m in members})


class StreamMembers:
    """The brands an app's stream carries, versioned so the open stream notices a change."""

    def __init__(self, accounts: Sequence[XAccount]) -> None:
        self._lock = threading.Lock()
        self._accounts = tuple(accounts)
        self._version = 0

    def snapshot(self) -> tuple[int, tuple[XAccount, ...]]:
        """The version and the brands as of now."""
        with self._lock:
            return self._version, self._accounts

    def replace(self, accounts: Sequence[XAccount]) -> bool:
        """Change the brands; True when the set differs (the stream will reconcile)."""
        new = tuple(accounts)
        with self._lock:
            changed = _identities(new) != _identities(self._accounts)
            self._accounts = new
            if changed:
                self._version += 1
            return changed


class LiveRoutes:
    """Where one stream's posts go: reconciled before each connection and when brands change."""

    def __init__(
        self, brands: StreamMembers, reconcile: Callable[[Sequence[XAccount]], StreamRoutes]
    ) -> None:
        self.brands = brands
        self.reconcile = reconcile
        self._version = -1
        self._routes = StreamRoutes({}, {})

    def connecting(self) -> Callable[[], StreamRoutes]:
        """Reconcile now (the rules must be in place before connecting); then `current`."""
        self._version = -1
        self.current()
        return self.current

    def current(self) -> StreamRoutes:
        """The routes for the brands as of now, reconciling first if the set changed."""
        version, accounts = self.brands.snapshot()
        if version != self._version:
            self._routes = self.reconcile(accounts)
            self._version = version
        return self._routes


def _identities(accounts: Sequence[XAccount]) -> frozenset[tuple[str, str, tuple[str, ...]]]:
    """What the rules depend on: a brand's id, handle and listening (a change reconciles)."""
    return frozenset((a.user_id, a.account_key, tuple(rule_values(a))) for a in accounts)
