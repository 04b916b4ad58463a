"""Which rules fire for a post, in order, honouring `stop`: the pure core of the stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atdesk.automations.engine.conditions import CONFIDENCE, Verdict, evaluate
from atdesk.automations.engine.facts import PostFacts
from atdesk.automations.engine.rules import RuleSpec


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

    @property
    def held(self) -> bool:
        """Only triage's confidence in the intent kept the rule from acting: a person decides."""
        return self.verdict.failed == CONFIDENCE and not self.skipped_by_stop


def evaluate_rules(rules: Sequence[LoadedRule], facts: PostFacts) -> list[Evaluation]:
    """Every enabled rule in position order; after a firing rule with `stop`, the rest skip.

    A rule held for confidence stops the rest too: the post is the person's from there, as
    it would have been the rule's alone had triage been sure.
    """
    out: list[Evaluation] = []
    stopped = False
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if not rule.spec.enabled:
            continue
        verdict = evaluate(rule.spec.when, facts, min_confidence=rule.spec.confidence_floor)
        reached = verdict.matched or verdict.failed == CONFIDENCE
        out.append(Evaluation(rule, verdict, skipped_by_stop=stopped and reached))
        if reached and not stopped and rule.spec.stop:
            stopped = True
    return out


def fired(rules: Sequence[LoadedRule], facts: PostFacts) -> list[LoadedRule]:
    """The rules whose actions run for this post."""
    return [e.rule for e in evaluate_rules(rules, facts) if e.fired]


def held_reason(rule: RuleSpec, facts: PostFacts) -> str:
    """Why a rule left the post to a person, as the case's audit trail says it."""
    confidence = facts.intent_confidence
    shown = "unknown" if confidence is None else f"{confidence:.2f}"
    return (
        f"automation '{rule.name}' held: intent {facts.intent} at confidence {shown} is below "
        f"the rule's {rule.confidence_floor or 0:.2f}; left for an agent"
    )
