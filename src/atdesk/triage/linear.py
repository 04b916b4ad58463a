"""A linear classifier over Features, stored as plain arrays so serving needs no scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from atdesk.triage.features import Features

FloatArray = npt.NDArray[np.float32]
Method = Literal["logreg", "svm"]


@lru_cache(maxsize=1)
def _blas() -> Any:
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which BLAS products run on one thread.

    The dense products here are small: OpenBLAS would start a thread per core for them, and
    its idle threads then spin for the rest of the batch, taking a core that the rest of
    triage (or a second worker process) needs. With one thread the sums are also the same on
    every machine, whatever its core count.
    """
    return _blas().limit(limits=1, user_api="blas")


def softmax(scores: FloatArray, temperature: float = 1.0) -> FloatArray:
    """Row-wise probabilities from scores."""
    scaled = scores / np.float32(temperature)
    scaled -= scaled.max(axis=1, keepdims=True)
    np.exp(scaled, out=scaled)
    scaled /= scaled.sum(axis=1, keepdims=True)
    return scaled


@dataclass
class LinearHead:
    """Weights for the sparse and dense halves of Features, and one bias per label."""

    labels: list[str]
    sparse_weights: FloatArray
    dense_weights: FloatArray
    bias: FloatArray
    temperature: float = 1.0

    def scores(self, features: Features) -> FloatArray:
        """Raw scores, one column per label."""
        out = np.asarray(features.sparse @ self.sparse_weights, dtype=np.float32)
        if self.dense_weights.shape[0]:
            with one_blas_thread():
                out += features.dense @ self.dense_weights
        out += self.bias
        return out

    def probabilities(self, features: Features) -> FloatArray:
        """Calibrated probabilities, one column per label."""
        return probabilities_from_scores(self.scores(features), self)

    def state(self, prefix: str) -> dict[str, Any]:
        """Arrays to save under a name prefix."""
        return {
            f"{prefix}_labels": np.array(self.labels, dtype=str),
            f"{prefix}_sparse": self.sparse_weights,
            f"{prefix}_dense": self.dense_weights,
            f"{prefix}_bias": self.bias,
            f"{prefix}_temperature": np.array(self.temperature),
        }

    @classmethod
    def from_state(cls, data: Any, prefix: str) -> LinearHead:
        """Rebuild from what state() produced."""
        return cls(
            [str(x) for x in data[f"{prefix}_labels"]],
            np.asarray(data[f"{prefix}_sparse"], dtype=np.float32),
            np.asarray(data[f"{prefix}_dense"], dtype=np.float32),
            np.asarray(data[f"{prefix}_bias"], dtype=np.float32),
            float(data[f"{prefix}_temperature"]),
        )


def probabilities_from_scores(scores: FloatArray, head: LinearHead) -> FloatArray:
    """Probabilities for a head's scores; a two-label head uses the logistic function."""
    if len(head.labels) == 2 and scores.shape[1] == 2:
        margin = (scores[:, 1] - scores[:, 0]) / np.float32(head.temperature)
        positive = 1.0 / (1.0 + np.exp(-margin))
        return np.stack([1.0 - positive, positive], axis=1).astype(np.float32)
    return softmax(scores, head.temperature)


def fit_temperature(head: LinearHead, features: Features, labels: Sequence[str]) -> float:
    """The softmax temperature that minimises log-loss on held-out examples."""
    index = {label: i for i, label in enumerate(head.labels)}
    known = [i for i, y in enumerate(labels) if y in index]
    if not known:
        return 1.0
    targets = np.array([index[labels[i]] for i in known], dtype=np.int64)
    scores = head.scores(Features(features.sparse[known], features.dense[known]))
    best, best_loss = 1.0, float("inf")
    for temperature in np.geomspace(0.02, 5.0, 40):
        probs = softmax(scores.copy(), float(temperature))
        loss = -float(np.log(probs[np.arange(len(targets)), targets] + 1e-9).mean())
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def fit_head(
    features: Features,
    labels: Sequence[str],
    *,
    method: Method = "svm",
    c: float = 1.0,
    class_weight: str | None = None,
) -> LinearHead:
    """Train a head with scikit-learn, then keep only its arrays."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    matrix = sparse.hstack([features.sparse, sparse.csr_matrix(features.dense)], format="csr")
    model: Any
    if method == "svm":
        model = LinearSVC(C=c, class_weight=class_weight)
    else:
        model = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
    model.fit(matrix, list(labels))
    classes = [str(x) for x in model.classes_]
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    if len(classes) == 2:
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
    split = features.sparse.shape[1]
    return LinearHead(
        classes,
        np.ascontiguousarray(coef[:, :split].T),
        np.ascontiguousarray(coef[:, split:].T),
        intercept,
    )
