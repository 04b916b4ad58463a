"""From similarities to a confidence: the measured chance that the article is the right answer.

Word and meaning similarities live on different scales (unrelated texts share no word, yet
their vectors are rarely orthogonal), so neither is a confidence by itself. A logistic blend
fitted on held-out questions (`python -m training.bot_fit`) turns them into one
number a threshold can mean: at 0.9, about nine answers in ten are right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic weights of the three similarities; the same blend ranks and scores articles."""

    words: float
    nearest: float
    centre: float
    bias: float

    def logits(self, words: FloatMatrix, nearest: FloatMatrix, centre: FloatMatrix) -> FloatMatrix:
        """The blend before the logistic, monotone in the confidence (for ranking)."""
        return self.words * words + self.nearest * nearest + self.centre * centre + self.bias

    def confidence(
        self, words: FloatMatrix, nearest: FloatMatrix, centre: FloatMatrix
    ) -> FloatMatrix:
        """The chance (0..1) that each article is the right answer to each question."""
        return 1.0 / (1.0 + np.exp(-self.logits(words, nearest, centre)))


# `python -m training.bot_fit` (2026-11-23): Bitext and BANKING77 calibration
# questions, complete and partial knowledge bases, CLINC150 oos_train. On the validation
# questions, answers at 0.7-0.8 were right 76% of the time, at 0.9-1.0 96% (docs/benchmarks.md).
CALIBRATION = Calibration(words=1.507, nearest=9.696, centre=4.402, bias=-10.628)
