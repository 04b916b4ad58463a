"""What a retrain learns from and is judged on: agents' intent corrections and the base corpus."""

from __future__ import annotations

import csv
import hashlib
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.domain.triage import Intent
from atdesk.models import Case, Post, TriageCorrection

CHECKOUT = Path(__file__).resolve().parents[3]
DEFAULT_CORPUS = CHECKOUT / "training" / "data"
SPEC_INTENTS = frozenset(i.value for i in Intent)
HELD_OUT_SHARE = 0.2
MIN_CORRECTIONS = 2  # one to learn from, one to test on
TEAM_WEIGHT = 2  # as training/train_triage.py weighs the team's examples


class RetrainInputError(ValueError):
    """Input a retrain cannot use (no corpus, too few corrections); the message says what to do."""


@dataclass(frozen=True, slots=True)
class Correction:
    """A post's intent as an agent last set it."""

    post_id: int
    text: str
    intent: str


@dataclass(frozen=True, slots=True)
class Examples:
    """Texts and intents to train on, and where they came from."""

    texts: list[str]
    intents: list[str]
    sources: list[str]


def load_corrections(session: Session, brand_id: int | None = None) -> list[Correction]:
    """Each corrected post's latest intent correction when it names a SPEC §1 intent.

    With a brand, only its posts (the case's brand, else the post's own).
    """
    brand = func.coalesce(Case.brand_id, Post.brand_id)
    query = (
        select(TriageCorrection.post_id, TriageCorrection.text, TriageCorrection.after)
        .join(Post, Post.id == TriageCorrection.post_id)
        .outerjoin(Case, Case.id == TriageCorrection.case_id)
        .where(TriageCorrection.field == "intent")
        .order_by(TriageCorrection.created_at, TriageCorrection.id)
    )
    if brand_id is not None:
        query = query.where(brand == brand_id)
    latest: dict[int, Correction] = {}
    for post_id, text, intent in session.execute(query):
        latest[post_id] = Correction(post_id, text, intent)
    return [c for c in latest.values() if c.intent in SPEC_INTENTS and c.text.strip()]


def _share(post_id: int) -> float:
    """A stable number in [0, 1) for a post: the same post is always on the same side."""
    digest = hashlib.sha1(f"post:{post_id}".encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def split_corrections(
    corrections: Sequence[Correction], share: float = HELD_OUT_SHARE
) -> tuple[list[Correction], list[Correction]]:
    """(train, held out) by a hash of the post id: about `share` held out, at least one of
    two or more, and at least one left to learn from."""
    ordered = sorted(corrections, key=lambda c: (_share(c.post_id), c.post_id))
    held = sum(1 for c in ordered if _share(c.post_id) < share)
    if len(ordered) >= MIN_CORRECTIONS:
        held = min(max(held, 1), len(ordered) - 1)
    return ordered[held:], ordered[:held]


def _labelled_rows(path: Path) -> list[tuple[str, str]]:
    """(text, intent) rows of a CSV with those columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [((r.get("text") or "").strip(), (r.get("intent") or "").strip()) for r in
                csv.DictReader(handle)]  # fmt: skip
    return [(t, y) for t, y in rows if t and y in SPEC_INTENTS]


def base_examples(corpus: Path = DEFAULT_CORPUS, *, public_sets: bool = True) -> Examples:
    """The team-written corpus (DIR/customer_posts/*.csv), the team's examples
    (DIR/team_examples.csv, weighted as in training) and, when asked and present, the mapped
    public sets the shipped head learned from (training/intent_mapping.py, $ATDESK_DATA_DIR)."""
    posts_dir = corpus / "customer_posts"
    files = sorted(posts_dir.glob("*.csv")) if posts_dir.is_dir() else []
    if not files:
        raise RetrainInputError(
            f"no training corpus at {posts_dir} (expected the team-written CSV files of "
            "training/data/customer_posts); run from a checkout or pass --corpus DIR"
        )
    seen: set[str] = set()
    texts, intents, sources = [], [], []
    for path in files:
        for text, intent in _labelled_rows(path):
            if text not in seen:
                seen.add(text)
                texts.append(text)
                intents.append(intent)
                sources.append("corpus")
    team = corpus / "team_examples.csv"
    if team.exists():
        for text, intent in _labelled_rows(team) * TEAM_WEIGHT:
            texts.append(text)
            intents.append(intent)
            sources.append("team")
    if public_sets:
        for text, intent in _public_examples():
            texts.append(text)
            intents.append(intent)
            sources.append("public")
    return Examples(texts, intents, sources)


def checkout_module(name: str) -> ModuleType | None:
    """A module of the checkout's training/ folder (None outside a checkout).

    Those scripts import each other as top-level modules and as `training.*`, so both the
    checkout and its training folder go on the import path.
    """
    if not (CHECKOUT / "training" / f"{name.split('.')[-1]}.py").exists():
        return None
    for path in (str(CHECKOUT / "training"), str(CHECKOUT)):
        if path not in sys.path:
            sys.path.append(path)
    return importlib.import_module(name)


def _public_examples() -> list[tuple[str, str]]:
    """BANKING77, CLINC150, Bitext and NLU++ examples mapped to SPEC intents, if present."""
    mapping = checkout_module("intent_mapping")
    if mapping is None:
        return []
    try:
        rows: list[tuple[str, str]] = mapping.public_intent_examples()
    except FileNotFoundError:
        return []
    return [(t, y) for t, y in rows if y in SPEC_INTENTS]
