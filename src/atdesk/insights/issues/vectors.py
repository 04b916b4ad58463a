"""Post vectors for grouping: the shipped distilled sentence vectors, no model download."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from atdesk.triage.features import shipped_static_vectors
from atdesk.triage.tokens import tokens

FloatMatrix = npt.NDArray[np.float32]
# Placeholders the shared tokenizer puts for handles, links and e-mail addresses: every post
# to a brand starts with its handle, so keeping them would make unrelated posts look alike.
PLACEHOLDERS = frozenset({"xuser", "xurl", "xemail"})


class VectorsMissing(RuntimeError):
    """The package was installed without its word vectors (src/atdesk/triage/artifacts)."""


def meaning_tokens(text: str) -> list[str]:
    """The words of a post that carry its meaning: no handles, links or folded numbers."""
    return [t for t in tokens(text) if t not in PLACEHOLDERS and not t[0].isdigit() and t.isalnum()]


def post_vectors(texts: Sequence[str]) -> FloatMatrix:
    """One unit-length vector per text (all zeros when no word is known)."""
    vectors = shipped_static_vectors()
    if vectors is None:
        raise VectorsMissing(
            "emerging issues need the shipped word vectors"
            " (src/atdesk/triage/artifacts/static_vectors.npz); reinstall atdesk"
        )
    if not texts:
        return np.zeros((0, vectors.dim), dtype=np.float32)
    return vectors.embed_tokens([meaning_tokens(t) for t in texts])


def pack(vector: FloatMatrix) -> bytes:
    """A vector as stored: little-endian float32 bytes."""
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(data: bytes) -> FloatMatrix:
    """What `pack` stored, as a float32 vector (empty for no bytes)."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def unit(vector: FloatMatrix) -> FloatMatrix:
    """Scale to unit length (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return vector if norm == 0.0 else (vector / norm).astype(np.float32)
