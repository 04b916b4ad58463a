"""The shipped triage models: one featurizer, three linear heads scored in one product."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atdesk.triage.features import ARTIFACTS, Features, FeatureSet, shipped_static_vectors
from atdesk.triage.lexicon import Lexicon
from atdesk.triage.linear import LinearHead, one_blas_thread, probabilities_from_scores
from atdesk.triage.ngrams import NgramFeaturizer

BUNDLE_FILE = ARTIFACTS / "triage_model.npz"
MANIFEST_FILE = ARTIFACTS / "manifest.json"
HEADS = ("intent", "sentiment", "offensive")


class ModelsMissing(RuntimeError):
    """The package was built without its model files; run the training script."""


@dataclass
class TriageBundle:
    """Shared features and the intent, sentiment and offensive-language heads."""

    features: FeatureSet
    heads: dict[str, LinearHead]
    manifest: dict[str, Any] = field(default_factory=dict)
    _stacked_sparse: npt.NDArray[np.float32] = field(init=False, repr=False)
    _stacked_dense: npt.NDArray[np.float64] = field(init=False, repr=False)
    _stacked_bias: npt.NDArray[np.float32] = field(init=False, repr=False)
    _slices: dict[str, slice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Stack every head's weights so one matrix product scores all of them."""
        self._slices, start = {}, 0
        for name in HEADS:
            width = len(self.heads[name].labels)
            self._slices[name] = slice(start, start + width)
            start += width
        self._stacked_sparse = np.hstack([self.heads[n].sparse_weights for n in HEADS])
        self._stacked_dense = np.hstack([self.heads[n].dense_weights for n in HEADS]).astype(
            np.float64
        )
        self._stacked_bias = np.concatenate([self.heads[n].bias for n in HEADS])

    @property
    def version(self) -> str:
        """The model version recorded by the training script."""
        return str(self.manifest.get("version", "unversioned"))

    def probabilities(self, features: Features) -> dict[str, npt.NDArray[np.float32]]:
        """Probabilities of every head for a batch."""
        scores = np.asarray(features.sparse @ self._stacked_sparse, dtype=np.float32)
        if self._stacked_dense.shape[0]:
            # In float64, so a post scores the same alone (a matrix-vector product) and in a
            # batch (matrix-matrix, summed in another order): the float32 sums differed in
            # the last bits, enough to change a near-zero confidence.
            with one_blas_thread():
                dense = features.dense.astype(np.float64) @ self._stacked_dense
            scores += dense.astype(np.float32)
        scores += self._stacked_bias
        return {
            name: probabilities_from_scores(scores[:, self._slices[name]], self.heads[name])
            for name in HEADS
        }

    def save(self, path: Path, manifest_path: Path | None = None) -> None:
        """Write the arrays, and the manifest beside them."""
        arrays: dict[str, Any] = dict(self.features.ngrams.state())
        for name in HEADS:
            arrays.update(self.heads[name].state(name))
        arrays["dense_scale"] = np.array(self.features.dense_scale)
        if self.features.lexicon is not None:
            arrays.update(self.features.lexicon.state())
        np.savez_compressed(path, **arrays)
        if manifest_path is not None:
            text = json.dumps(self.manifest, indent=2, sort_keys=True) + "\n"
            manifest_path.write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: Path = BUNDLE_FILE, manifest_path: Path = MANIFEST_FILE) -> TriageBundle:
        """Read the shipped bundle; fails clearly when the files are absent."""
        if not path.exists():
            raise ModelsMissing(
                f"triage models not found at {path}; run `python training/train_triage.py`"
            )
        manifest = (
            json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        )
        vectors = None
        if manifest.get("static_vectors"):
            vectors = shipped_static_vectors()
            if vectors is None or vectors.version != manifest["static_vectors"]:
                raise ModelsMissing(f"triage models need word vectors {manifest['static_vectors']}")
        with np.load(path, allow_pickle=False) as data:
            ngrams = NgramFeaturizer.from_state(data)
            heads = {name: LinearHead.from_state(data, name) for name in HEADS}
            dense_scale = float(data["dense_scale"])
            lexicon = Lexicon.from_state(data) if "lexicon_words" in data.files else None
        return cls(FeatureSet(ngrams, vectors, dense_scale, lexicon), heads, manifest)


@lru_cache(maxsize=1)
def shipped_bundle() -> TriageBundle:
    """The bundle in the package, loaded once per process."""
    return TriageBundle.load()
