"""Grouping post vectors into issues with scikit-learn, and the thresholds it uses (ADR 85)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.cluster import AgglomerativeClustering, Birch

from atdesk.insights.issues.vectors import FloatMatrix, unit

Labels = npt.NDArray[np.intp]
NOISE = -1
# Up to this many posts, average-linkage clustering runs on the posts themselves (its distance
# matrix is n² floats: 3,000 posts take 72 MB); above, Birch first folds near-duplicates into
# tight sub-clusters and the same clustering runs on their centroids (Birch's global step).
DIRECT_LIMIT = 3_000


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How alike posts must be to make or join an issue; measured on the twcs replay (ADR 85).

    `group`: the least average cosine similarity between the posts of one issue. Two random
    posts to the same brand exceed 0.66 once in a hundred pairs and 0.72 once in two hundred
    (twcs, 110,139 pairs): at 0.70 a group is far more alike than chance.
    `join`: the least similarity of a post to an issue's centroid for the live path (and the
    batch's second pass) to add it. Grouping twcs's brands under 3,000 posts at 0.70 put 567
    posts in issues, all of them at least 0.78 alike to their centroid; of the 4,789 posts
    it left out, 0.7% are that alike to some centroid of their brand (1.9% at 0.76).
    `tight`: Birch's sub-cluster radius as a cosine similarity, above `group`, so a sub-cluster
    holds only near-duplicates and the grouping decides the rest.
    """

    group: float = 0.70
    join: float = 0.78
    tight: float = 0.90
    min_posts: int = 3


DEFAULT = Thresholds()


def group_vectors(vectors: FloatMatrix, thresholds: Thresholds = DEFAULT) -> Labels:
    """One label per row: posts of one issue share a label; posts of no issue get NOISE.

    Rows of all zeros (no known word) are never grouped. Groups of at least `min_posts` are
    numbered by size, largest first, so reruns on the same posts give the same numbering; then
    each post left out joins the nearest group if it is `join` alike to its centroid.
    """
    n = vectors.shape[0]
    labels = np.full(n, NOISE, dtype=np.intp)
    usable = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0)
    if usable.size < thresholds.min_posts:
        return labels
    points = vectors[usable]
    if usable.size <= DIRECT_LIMIT:
        found = _average_linkage(points, thresholds.group)
    else:
        found = _birch_then_linkage(points, thresholds)
    labels[usable] = found
    return _absorb(vectors, _keep_large(labels, thresholds.min_posts), thresholds.join)


def _absorb(vectors: FloatMatrix, labels: Labels, join: float) -> Labels:
    """Posts left out join the nearest group whose centroid they are `join` alike to: what the
    live path would have done with them, so the batch and the stream agree."""
    count = int(labels.max()) + 1
    left = np.flatnonzero((labels == NOISE) & (np.linalg.norm(vectors, axis=1) > 0))
    if count == 0 or left.size == 0:
        return labels
    centres = np.stack([centroid(vectors[labels == g]) for g in range(count)])
    similarity = vectors[left] @ centres.T
    best = similarity.argmax(axis=1)
    close = similarity[np.arange(left.size), best] >= join
    out = labels.copy()
    out[left[close]] = best[close]
    return out


def centroid(vectors: FloatMatrix) -> FloatMatrix:
    """The unit-length mean direction of an issue's posts."""
    return unit(vectors.mean(axis=0).astype(np.float32))


def _average_linkage(points: FloatMatrix, similarity: float) -> Labels:
    """Merge groups while their posts' average cosine similarity stays at least `similarity`."""
    if points.shape[0] == 1:
        return np.zeros(1, dtype=np.intp)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=1.0 - similarity,
    )
    return np.asarray(model.fit_predict(points), dtype=np.intp)


def _birch_then_linkage(points: FloatMatrix, thresholds: Thresholds) -> Labels:
    """Birch sub-clusters of near-duplicates, then average linkage over their centroids."""
    # For unit vectors |a - b|² = 2 - 2 cos(a, b): the radius of a sub-cluster whose posts
    # are about `tight` alike.
    radius = math.sqrt(2.0 - 2.0 * thresholds.tight)
    birch = Birch(threshold=radius, n_clusters=None, branching_factor=50, compute_labels=True)
    sub = np.asarray(birch.fit_predict(points), dtype=np.intp)
    centres = np.asarray(birch.subcluster_centers_, dtype=np.float32)
    if centres.shape[0] > DIRECT_LIMIT:
        # Too many distinct sub-clusters to link: group the largest; the rest stay apart.
        sizes = np.bincount(sub, minlength=centres.shape[0])
        top = np.argsort(-sizes, kind="stable")[:DIRECT_LIMIT]
        merged = np.full(centres.shape[0], NOISE, dtype=np.intp)
        merged[top] = _average_linkage(_unit_rows(centres[top]), thresholds.group)
        spare = np.setdiff1d(np.arange(centres.shape[0]), top)
        merged[spare] = np.arange(spare.size) + int(merged.max()) + 1
    else:
        merged = _average_linkage(_unit_rows(centres), thresholds.group)
    return merged[sub]


def _keep_large(labels: Labels, min_posts: int) -> Labels:
    """Renumber groups of at least `min_posts` by size (largest first); the rest become NOISE."""
    out = np.full(labels.shape[0], NOISE, dtype=np.intp)
    grouped = labels >= 0
    if not grouped.any():
        return out
    ids, counts = np.unique(labels[grouped], return_counts=True)
    order = sorted(
        (i for i in range(ids.size) if counts[i] >= min_posts),
        key=lambda i: (-int(counts[i]), int(np.flatnonzero(labels == ids[i])[0])),
    )
    for new, i in enumerate(order):
        out[labels == ids[i]] = new
    return out


def _unit_rows(matrix: FloatMatrix) -> FloatMatrix:
    """Each row scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: FloatMatrix = (matrix / norms).astype(np.float32)
    return out
