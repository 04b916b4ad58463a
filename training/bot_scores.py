"""Right, wrong and handed over: how a retrieval's picks are counted at a threshold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from training.bot_data import Pair

from atdesk.automations.bot.knowledge import Match

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Score:
    """Shares of a question set at one threshold."""

    threshold: float
    right: float
    wrong: float
    handed_over: float


@dataclass(frozen=True, slots=True)
class Picks:
    """Each question's best article (0: none), its score, and the right one (0: none is)."""

    chosen: IntArray
    score: FloatArray
    expected: IntArray

    def at(self, threshold: float) -> Score:
        """Answered right, answered wrong (any answer where no article is right), handed over."""
        answered = (self.chosen > 0) & (self.score >= threshold)
        right = answered & (self.chosen == self.expected)
        total = max(1, len(self.chosen))
        return Score(
            threshold,
            float(right.sum()) / total,
            float((answered & ~right).sum()) / total,
            float((~answered).sum()) / total,
        )


def picks(pairs: Sequence[Pair], lookup: Callable[[str], Match | None]) -> Picks:
    """Ask every question once, as the bot would."""
    chosen = np.zeros(len(pairs), dtype=np.int64)
    score = np.zeros(len(pairs))
    for row, (text, _) in enumerate(pairs):
        match = lookup(text)
        if match is not None:
            chosen[row], score[row] = match.article.id, match.score
    expected = np.array([article or 0 for _, article in pairs], dtype=np.int64)
    return Picks(chosen, score, expected)
