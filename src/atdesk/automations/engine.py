"""Which rules fire for a post, in order, honouring `stop`: the pure core of the stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atdesk.automations.conditions import Verdict, evaluate
from atdesk.automations.facts import PostFacts
from atdesk.automations.rules import RuleSpec


@dataclass(frozen=True, slots=True)
class LoadedRule:
    """A stored rule with its id and position, validated."""

    id: int
    position: int
    spec: RuleSpec


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One rule against one post: whether it fired, else which condition failed."""

    rule: LoadedRule
    verdict: Verdict
    skipped_by_stop: bool = False

    @property
    def fired(self) -> bool:
        """The rule's actions run."""
        return self.verdict.matched and not self.skipped_by_stop


def evaluate_rules(rules: Sequence[LoadedRule], facts: PostFacts) -> list[Evaluation]:
    """Every enabled rule in position order; after a firing rule with `stop`, the rest skip."""
    out: list[Evaluation] = []
    stopped = False
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if not rule.spec.enabled:
            continue
        verdict = evaluate(rule.spec.when, facts)
        out.append(Evaluation(rule, verdict, skipped_by_stop=stopped and verdict.matched))
        if verdict.matched and not stopped and rule.spec.stop:
            stopped = True
    return out


def fired(rules: Sequence[LoadedRule], facts: PostFacts) -> list[LoadedRule]:
    """The rules whose actions run for this post."""
    return [e.rule for e in evaluate_rules(rules, facts) if e.fired]
