"""Held-out scores, computed the same way everywhere they are reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scores:
    """Accuracy and macro-F1 over the labels that occur in the gold answers."""

    accuracy: float
    macro_f1: float
    count: int

    def line(self) -> str:
        """The SPEC §3 style: accuracy=0.9312 macro_f1=0.9290."""
        return f"accuracy={self.accuracy:.4f} macro_f1={self.macro_f1:.4f}"


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Accuracy and macro-F1 (mean F1 over gold labels; absent predictions count as wrong)."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    if not gold:
        return Scores(0.0, 0.0, 0)
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    f1s = []
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return Scores(correct / len(gold), sum(f1s) / len(f1s), len(gold))
